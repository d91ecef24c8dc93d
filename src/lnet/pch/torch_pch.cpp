// Anchor translation unit of the precompiled torch header.
#include "lnet/pch/torch_pch.hpp"
