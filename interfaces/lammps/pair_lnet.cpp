#include "pair_lnet.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <numeric>
#include <thread>

#include "atom.h"
#include "comm.h"
#include "domain.h"
#include "error.h"
#include "force.h"
#include "lnet_engine.hpp"
#include "memory.h"
#include "update.h"

using namespace LAMMPS_NS;

namespace {

constexpr int kExtra = 7;  // pvector: M (3), field energy, E (3); see pair_lnet.h

// libtorch threads per rank when the input does not say: the cores of this node shared among
// the ranks on it (oversubscribed ranks each spinning all cores is many times slower).
int default_threads(MPI_Comm world) {
  MPI_Comm node;
  MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int ranks_on_node = 1;
  MPI_Comm_size(node, &ranks_on_node);
  MPI_Comm_free(&node);
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  return std::max(1, cores / std::max(1, ranks_on_node));
}

// LAMMPS's lattice vectors a = (xprd,0,0), b = (xy,yprd,0), c = (xz,yz,zprd) as cell rows
// (domain->h = xprd yprd zprd yz xz xy).
std::array<double, 9> cell_rows(const Domain* domain) {
  const double* h = domain->h;
  return {h[0], 0, 0, h[5], h[1], 0, h[4], h[3], h[2]};
}

void write_string(FILE* fp, const std::string& s) {
  const int n = static_cast<int>(s.size());
  fwrite(&n, sizeof(int), 1, fp);
  fwrite(s.data(), 1, n, fp);
}

// Read on rank 0, broadcast to all.
std::string read_string(FILE* fp, int me, MPI_Comm world, Error* error) {
  int n = 0;
  if (me == 0) utils::sfread(FLERR, &n, sizeof(int), 1, fp, nullptr, error);
  MPI_Bcast(&n, 1, MPI_INT, 0, world);
  std::string s(n, '\0');
  if (me == 0 && n > 0) utils::sfread(FLERR, &s[0], 1, n, fp, nullptr, error);
  if (n > 0) MPI_Bcast(&s[0], n, MPI_CHAR, 0, world);
  return s;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    const std::size_t end = s.find('\n', start);
    out.push_back(s.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

// Two atoms too close, named by their LAMMPS atom IDs.
std::string close_atoms_message(const lnet::lammps::CloseAtoms& e, tagint first, tagint second) {
  char line[300];
  snprintf(line, sizeof line,
           "pair_style lnet: atoms with IDs " TAGINT_FORMAT " and " TAGINT_FORMAT
           " are %.3g A apart, closer than min_distance %g A (overlapping atoms: no model was "
           "trained there; pair_style lnet ... min_distance 0 switches the check off)",
           first, second, e.distance, e.min_distance);
  return line;
}

std::string join_lines(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : "\n") + x;
  return s;
}

}  // namespace

PairLnet::PairLnet(LAMMPS* lmp)
    : Pair(lmp), result_(std::make_unique<lnet::lammps::EngineResult>()) {
  single_enable = 0;
  restartinfo = 1;
  one_coeff = 1;
  manybody_flag = 1;
  // Forces are gathered from the whole system, not from pairs of local and ghost atoms: the
  // virial comes from the model (strain derivative), never from f·r over ghosts.
  no_virial_fdotr_compute = 1;
  centroidstressflag = CENTROID_NOTAVAIL;
  nextra = kExtra;
  pvector = new double[kExtra]();
  comm_forward = 4;  // domain decomposition: a ghost's charge and dipole from its owner
  me_ = comm->me;
}

// The engine's view of this rank's MPI neighbours (domain decomposition).
class PairLnet::RankComm : public lnet::lammps::Comm {
 public:
  explicit RankComm(PairLnet& pair) : p_(pair) {}
  void forward(double* values, int width) override {
    if (width > p_.comm_forward) p_.error->one(FLERR, "pair_style lnet: forward width too large");
    p_.fwd_values_ = values;
    p_.fwd_width_ = width;
    p_.comm->forward_comm_pair(&p_);
    p_.fwd_values_ = nullptr;
  }
  void sum(double* values, std::size_t n) override {
    MPI_Allreduce(MPI_IN_PLACE, values, static_cast<int>(n), MPI_DOUBLE, MPI_SUM, p_.world);
  }
  bool root() const override { return p_.comm->me == 0; }

 private:
  PairLnet& p_;
};

int PairLnet::pack_forward_comm(int n, int* list, double* buf, int, int*) {
  int m = 0;
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < fwd_width_; ++k) buf[m++] = fwd_values_[fwd_width_ * list[i] + k];
  return m;
}

void PairLnet::unpack_forward_comm(int n, int first, double* buf) {
  int m = 0;
  for (int i = first; i < first + n; ++i)
    for (int k = 0; k < fwd_width_; ++k) fwd_values_[fwd_width_ * i + k] = buf[m++];
}

PairLnet::~PairLnet() {
  if (me_ == 0 && calls_ > 0) {
    char line[200];
    snprintf(line, sizeof line,
             "pair_style lnet: %ld evaluations, %.3g s in the model, %.3g s gathering atoms "
             "(MPI, %.1f %%)\n",
             calls_, model_seconds_, gather_seconds_,
             100 * gather_seconds_ / std::max(1e-300, gather_seconds_ + model_seconds_));
    utils::logmesg(lmp, line);
  }
  delete[] pvector;
  if (allocated) {
    memory->destroy(setflag);
    memory->destroy(cutsq);
  }
}

void PairLnet::allocate() {
  if (allocated) return;
  allocated = 1;
  const int n = atom->ntypes;
  memory->create(setflag, n + 1, n + 1, "pair:setflag");
  memory->create(cutsq, n + 1, n + 1, "pair:cutsq");
  for (int i = 1; i <= n; i++)
    for (int j = i; j <= n; j++) setflag[i][j] = 0;
}

bool PairLnet::long_range() const { return engine_ && engine_->long_range(); }

void PairLnet::settings(int narg, char** arg) {
  if (narg < 1) error->all(FLERR, "Illegal pair_style lnet command: expected a model file");
  style_args_.assign(arg, arg + narg);
  lnet::lammps::EngineOptions options;
  options.threads = 0;
  efield_ = {};
  ac_ = false;
  int iarg = 1;
  auto need = [&](int n, const char* what) {
    if (iarg + n >= narg)
      error->all(FLERR, std::string("Illegal pair_style lnet command: ") + what);
  };
  while (iarg < narg) {
    const std::string key = arg[iarg];
    if (key == "efield" || key == "efield_ac") {
      const bool ac = key == "efield_ac";
      need(ac ? 5 : 3, ac ? "efield_ac needs Ex Ey Ez frequency phase" : "efield needs Ex Ey Ez");
      for (int k = 0; k < 3; ++k) efield_[k] = utils::numeric(FLERR, arg[iarg + 1 + k], false, lmp);
      ac_ = ac;
      if (ac) {
        ac_frequency_ = utils::numeric(FLERR, arg[iarg + 4], false, lmp);
        ac_phase_ = utils::numeric(FLERR, arg[iarg + 5], false, lmp);
      }
      iarg += ac ? 6 : 4;
    } else if (key == "dtype") {
      need(1, "dtype needs float64 or float32");
      options.dtype = arg[iarg + 1];
      iarg += 2;
    } else if (key == "electrostatics") {
      need(2, "electrostatics needs a method (auto, ewald, pme, direct) and an accuracy");
      options.es_method = arg[iarg + 1];
      options.es_accuracy = utils::numeric(FLERR, arg[iarg + 2], false, lmp);
      iarg += 3;
    } else if (key == "parallel") {
      need(1, "parallel needs auto, domain or replicated");
      const std::string mode = arg[iarg + 1];
      if (mode == "auto")
        parallel_ = Parallel::Auto;
      else if (mode == "domain")
        parallel_ = Parallel::Domain;
      else if (mode == "replicated")
        parallel_ = Parallel::Replicated;
      else
        error->all(FLERR, "pair_style lnet: parallel must be auto, domain or replicated");
      iarg += 2;
    } else if (key == "min_distance") {
      need(1, "min_distance needs a distance in A (0 switches the check off)");
      options.min_distance = utils::numeric(FLERR, arg[iarg + 1], false, lmp);
      if (!(options.min_distance >= 0) || !std::isfinite(options.min_distance))
        error->all(FLERR, "pair_style lnet: min_distance must be a distance >= 0 (A)");
      iarg += 2;
    } else if (key == "committee") {
      need(1, "committee needs a count N and N more model files");
      const int n = utils::inumeric(FLERR, arg[iarg + 1], false, lmp);
      if (n < 1) error->all(FLERR, "pair_style lnet: committee needs a count >= 1 of model files");
      need(1 + n, "committee N needs N model files after the count");
      options.committee.assign(arg + iarg + 2, arg + iarg + 2 + n);
      iarg += 2 + n;
    } else if (key == "threads") {
      need(1, "threads needs a number");
      options.threads = utils::inumeric(FLERR, arg[iarg + 1], false, lmp);
      if (options.threads < 1) error->all(FLERR, "pair_style lnet: threads must be >= 1");
      iarg += 2;
    } else {
      error->all(FLERR, "Illegal pair_style lnet keyword: " + key);
    }
  }
  if (options.threads == 0) options.threads = default_threads(world);
  options.log = comm->me == 0;
  if (strcmp(update->unit_style, "metal") != 0)  // eV, Å, ps: the model's units
    error->all(FLERR, "pair_style lnet requires 'units metal'");
  try {
    engine_ = std::make_unique<lnet::lammps::Engine>(arg[0], options);
  } catch (const std::exception& e) {
    error->all(FLERR, std::string("pair_style lnet: ") + e.what());
  }
  if (comm->me == 0)
    utils::logmesg(lmp, "pair_style lnet: " + std::string(arg[0]) + ": " + engine_->summary() +
                            "; " + std::to_string(engine_->threads()) + " thread(s) per rank\n");
  if (elements_.size()) map_elements(elements_);  // pair_style again after pair_coeff
}

void PairLnet::map_elements(const std::vector<std::string>& symbols) {
  if (static_cast<int>(symbols.size()) != atom->ntypes)
    error->all(FLERR, "pair_coeff lnet: expected " + std::to_string(atom->ntypes) +
                          " element symbols (one per atom type), got " +
                          std::to_string(symbols.size()));
  allocate();
  type_number_.assign(atom->ntypes + 1, 0);
  for (int t = 1; t <= atom->ntypes; ++t) {
    try {
      type_number_[t] = engine_->species_number(symbols[t - 1]);
    } catch (const std::exception& e) {
      error->all(FLERR, "pair_coeff lnet: atom type " + std::to_string(t) + ": " + e.what());
    }
  }
  elements_ = symbols;
  for (int i = 1; i <= atom->ntypes; i++)
    for (int j = i; j <= atom->ntypes; j++) setflag[i][j] = 1;
}

void PairLnet::coeff(int narg, char** arg) {
  if (!engine_) error->all(FLERR, "pair_coeff lnet before pair_style lnet");
  if (narg < 2 || strcmp(arg[0], "*") != 0 || strcmp(arg[1], "*") != 0)
    error->all(FLERR, "Illegal pair_coeff lnet command: expected '* *' and one element per type");
  map_elements(std::vector<std::string>(arg + 2, arg + narg));
}

void PairLnet::init_style() {
  if (!atom->tag_enable) error->all(FLERR, "pair_style lnet needs atom IDs");
  if (domain->dimension != 3) error->all(FLERR, "pair_style lnet needs a 3d system");
  // No LAMMPS neighbour list: lnet builds its own over the local and ghost atoms (domain) or
  // over the whole gathered system (replicated).
  domain_ = false;
  if (parallel_ == Parallel::Replicated || (parallel_ == Parallel::Auto && comm->nprocs == 1))
    return;
  // Every rank must use the same electrostatics parameters: the first time, one replicated
  // evaluation resolves them (restarts carry them).
  if (engine_->long_range() && engine_->state().empty()) compute_replicated({});
  const std::string why = engine_->local_unsupported();
  if (!why.empty()) {
    if (parallel_ == Parallel::Domain)
      error->all(FLERR, "pair_style lnet: parallel domain is not possible: " + why);
    if (comm->me == 0)
      error->warning(FLERR, "pair_style lnet: every rank evaluates all atoms (" + why + ")");
    return;
  }
  if (force->newton_pair == 0)
    error->all(FLERR, "pair_style lnet: parallel domain needs newton_pair on");
  domain_ = true;
  if (comm->me == 0)
    utils::logmesg(lmp, "pair_style lnet: domain decomposition, ghost cutoff " +
                            std::to_string(engine_->ghost_cutoff()) + " A\n");
}

// Replicated: the model's cutoff, although the gathered evaluation uses no ghost atoms: it
// keeps LAMMPS's communication and atom-sorting settings meaningful (a zero cutoff leaves no
// ghost shell, which LAMMPS warns may lose atoms). Domain: the ghost shell the ranks need.
double PairLnet::init_one(int, int) {
  return domain_ ? engine_->ghost_cutoff() : engine_->cutoff();
}

std::array<double, 3> PairLnet::field_now() const {
  if (!ac_) return efield_;
  // Time of the positions being evaluated (ps); update->atime tracks changes of timestep.
  const double t = update->atime + (update->ntimestep - update->atimestep) * update->dt;
  const double c = std::cos(2 * M_PI * ac_frequency_ * t + ac_phase_);
  return {efield_[0] * c, efield_[1] * c, efield_[2] * c};
}

// All atoms on every rank, sorted by tag: x_sorted_, numbers_; sorted_index_[g] is the sorted
// position of gathered atom g (ranks' atoms concatenated in rank order).
void PairLnet::gather_atoms() {
  const int nlocal = atom->nlocal;
  const int nprocs = comm->nprocs;
  tags_local_.resize(nlocal);
  types_local_.resize(nlocal);
  x_local_.resize(3 * static_cast<std::size_t>(nlocal));
  for (int i = 0; i < nlocal; ++i) {
    tags_local_[i] = atom->tag[i];
    types_local_[i] = atom->type[i];
    domain->unmap(atom->x[i], atom->image[i], &x_local_[3 * i]);  // unwrapped: M without jumps
  }
  counts_.resize(nprocs);
  displs_.resize(nprocs);
  MPI_Allgather(&nlocal, 1, MPI_INT, counts_.data(), 1, MPI_INT, world);
  std::partial_sum(counts_.begin(), counts_.end() - 1, displs_.begin() + 1);
  displs_[0] = 0;
  const int n = displs_.back() + counts_.back();
  tags_all_.resize(n);
  types_all_.resize(n);
  x_all_.resize(3 * static_cast<std::size_t>(n));
  MPI_Allgatherv(tags_local_.data(), nlocal, MPI_LMP_TAGINT, tags_all_.data(), counts_.data(),
                 displs_.data(), MPI_LMP_TAGINT, world);
  MPI_Allgatherv(types_local_.data(), nlocal, MPI_INT, types_all_.data(), counts_.data(),
                 displs_.data(), MPI_INT, world);
  std::vector<int> counts3(nprocs), displs3(nprocs);
  for (int p = 0; p < nprocs; ++p) {
    counts3[p] = 3 * counts_[p];
    displs3[p] = 3 * displs_[p];
  }
  MPI_Allgatherv(x_local_.data(), 3 * nlocal, MPI_DOUBLE, x_all_.data(), counts3.data(),
                 displs3.data(), MPI_DOUBLE, world);

  order_.resize(n);
  std::iota(order_.begin(), order_.end(), 0);
  std::sort(order_.begin(), order_.end(),
            [&](int a, int b) { return tags_all_[a] < tags_all_[b]; });
  sorted_index_.resize(n);
  numbers_.resize(n);
  x_sorted_.resize(3 * static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) {
    const int g = order_[k];
    sorted_index_[g] = k;
    numbers_[k] = type_number_[types_all_[g]];
    for (int d = 0; d < 3; ++d) x_sorted_[3 * k + d] = x_all_[3 * g + d];
  }
}

void PairLnet::compute_replicated(const lnet::lammps::Want& want) {
  const double t0 = MPI_Wtime();
  gather_atoms();
  const double t1 = MPI_Wtime();
  const int n = static_cast<int>(numbers_.size());
  const std::array<double, 9> cell = cell_rows(domain);
  const std::array<bool, 3> pbc = {domain->xperiodic != 0, domain->yperiodic != 0,
                                   domain->zperiodic != 0};
  try {
    // Every rank evaluates the same input: an exception is raised on all of them alike.
    engine_->compute(n, numbers_.data(), x_sorted_.data(), cell.data(), pbc, field_now(), want,
                     *result_);
  } catch (const lnet::lammps::CloseAtoms& e) {
    error->all(FLERR,
               close_atoms_message(e, tags_all_[order_[e.first]], tags_all_[order_[e.second]]));
  } catch (const std::exception& e) {
    error->all(FLERR, std::string("pair_style lnet: ") + e.what());
  }
  gather_seconds_ += t1 - t0;
  model_seconds_ += MPI_Wtime() - t1;
}

void PairLnet::compute_domain(const lnet::lammps::Want& want) {
  const double t0 = MPI_Wtime();
  const int nlocal = atom->nlocal, nall = nlocal + atom->nghost;
  numbers_nall_.resize(nall);
  x_nall_.resize(3 * static_cast<std::size_t>(nall));
  x_local_.resize(3 * static_cast<std::size_t>(nlocal));
  for (int i = 0; i < nall; ++i) {
    numbers_nall_[i] = type_number_[atom->type[i]];
    for (int d = 0; d < 3; ++d) x_nall_[3 * i + d] = atom->x[i][d];
  }
  for (int i = 0; i < nlocal; ++i)
    domain->unmap(atom->x[i], atom->image[i], &x_local_[3 * i]);  // M without jumps
  const std::array<double, 9> cell = cell_rows(domain);
  RankComm rank_comm(*this);
  try {
    engine_->compute_local(nlocal, nall, numbers_nall_.data(), x_nall_.data(), x_local_.data(),
                           cell.data(), field_now(), want, rank_comm, *result_);
  } catch (const lnet::lammps::CloseAtoms& e) {
    // Every rank is here (the engine stops them together): the message of the lowest rank that
    // found the pair, on all, so that error->all prints it. Ghosts carry their owner's ID.
    std::string message =
        e.first < 0 ? "" : close_atoms_message(e, atom->tag[e.first], atom->tag[e.second]);
    int have = message.empty() ? comm->nprocs : comm->me, owner = 0;
    MPI_Allreduce(&have, &owner, 1, MPI_INT, MPI_MIN, world);
    int length = static_cast<int>(message.size());
    MPI_Bcast(&length, 1, MPI_INT, owner, world);
    message.resize(length);
    MPI_Bcast(&message[0], length, MPI_CHAR, owner, world);
    error->all(FLERR, message);
  } catch (const std::exception& e) {
    error->one(FLERR, std::string("pair_style lnet: ") + e.what());
  }
  model_seconds_ += MPI_Wtime() - t0;
}

void PairLnet::compute(int eflag, int vflag) {
  ev_init(eflag, vflag);
  // Per-atom virials are the model's own split (pair halves of the networks' edges,
  // src/lnet/infer/engine_model.hpp), not f·r over ghosts; there is no centroid form.
  if (cvflag_atom)
    error->all(FLERR, "pair_style lnet: centroid per-atom virials are not available");
  const std::array<double, 3> field = field_now();
  lnet::lammps::Want want;
  want.virial = vflag_global != 0;
  want.atom_energies = eflag_atom != 0;
  want.atom_virials = vflag_atom != 0;
  want.quantities = quantities_;
  if (domain_)
    compute_domain(want);
  else
    compute_replicated(want);
  ++calls_;

  const lnet::lammps::EngineResult& r = *result_;
  const int nlocal = atom->nlocal;
  double** f = atom->f;
  const bool root = comm->me == 0;
  // Domain: every rank's share counts (LAMMPS sums energy, virial and pvector over ranks, and
  // reverse-communicates the ghost forces). Replicated: whole-system quantities once (rank 0).
  const bool counts = domain_ || root;
  if (domain_) {
    const int nall = nlocal + atom->nghost;
    for (int i = 0; i < nall; ++i)
      for (int d = 0; d < 3; ++d) f[i][d] += r.forces[3 * i + d];
    // Ghosts' per-atom virials go to their owners by LAMMPS's reverse communication (compute
    // stress/atom with newton_pair on, which the domain mode requires).
    if (eflag_atom)
      for (int i = 0; i < nlocal; ++i) eatom[i] += r.atom_energies[i];
    if (vflag_atom)
      for (int i = 0; i < nall; ++i)
        for (int k = 0; k < 6; ++k) vatom[i][k] += r.atom_virials[6 * i + k];
  } else {
    const int first = displs_[comm->me];
    for (int i = 0; i < nlocal; ++i) {
      const int k = sorted_index_[first + i];
      for (int d = 0; d < 3; ++d) f[i][d] += r.forces[3 * k + d];
      if (eflag_atom) eatom[i] += r.atom_energies[k];
      if (vflag_atom)
        for (int c = 0; c < 6; ++c) vatom[i][c] += r.atom_virials[6 * k + c];
    }
  }
  if (eflag_global && counts) eng_vdwl += r.energy;
  if (vflag_global && counts)
    for (int k = 0; k < 6; ++k) virial[k] += r.virial[k];
  const double extra[kExtra] = {r.dipole[0], r.dipole[1], r.dipole[2], r.field_energy,
                                field[0],    field[1],    field[2]};
  for (int k = 0; k < kExtra; ++k) pvector[k] = (k < 4 ? counts : root) ? extra[k] : 0.0;
  // compute lnet/atom's quantities of the local atoms (domain: the engine gives the local atoms'
  // only; replicated: every atom's, in tag order).
  for (const auto& [name, values] : r.quantities) {
    const std::size_t n = domain_ ? static_cast<std::size_t>(nlocal) : numbers_.size();
    const std::size_t cols = n ? values.size() / n : 0;
    std::vector<double>& local = local_quantities_[name];
    local.assign(cols * nlocal, 0.0);
    for (int i = 0; i < nlocal; ++i) {
      const std::size_t k = domain_ ? i : sorted_index_[displs_[comm->me] + i];
      std::copy_n(values.begin() + cols * k, cols, local.begin() + cols * i);
    }
  }
  last_step_ = update->ntimestep;
}

void PairLnet::want_quantities(const std::vector<std::string>& names) {
  for (const std::string& name : names)
    if (std::find(quantities_.begin(), quantities_.end(), name) == quantities_.end())
      quantities_.push_back(name);
}

const std::vector<double>& PairLnet::local_quantity(const std::string& name) const {
  static const std::vector<double> none;
  const auto it = local_quantities_.find(name);
  return it == local_quantities_.end() ? none : it->second;
}

// Restart files keep the pair_style arguments, the element of every type and the resolved
// electrostatics parameters (so that a restarted run continues with the same Ewald/PME
// settings), so read_restart needs neither pair_style nor pair_coeff.
void PairLnet::write_restart(FILE* fp) {
  write_string(fp, join_lines(style_args_));
  write_string(fp, join_lines(elements_));
  write_string(fp, engine_ ? engine_->state() : std::string());
}

void PairLnet::read_restart(FILE* fp) {
  const int me = comm->me;
  const std::vector<std::string> args = split_lines(read_string(fp, me, world, error));
  const std::vector<std::string> elements = split_lines(read_string(fp, me, world, error));
  const std::string state = read_string(fp, me, world, error);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  settings(static_cast<int>(argv.size()), argv.data());
  map_elements(elements);
  try {
    engine_->restore_state(state);
  } catch (const std::exception& e) {
    error->all(FLERR, std::string("pair_style lnet: restart: ") + e.what());
  }
}

double PairLnet::memory_usage() {
  const double n = static_cast<double>(x_all_.size()) / 3;
  return n * (2 * sizeof(tagint) + 4 * sizeof(int) + 9 * sizeof(double));
}
