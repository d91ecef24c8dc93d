// Precompiled header shared by every torch-using target (see CMakeLists.txt).
#pragma once
#include <torch/torch.h>
