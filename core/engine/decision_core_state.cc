// Placeholder until the snapshot work lands: SaveState/LoadState/MaybeSnapshot.
#include "core/engine/decision_core.h"

namespace hs::engine {

void DecisionCore::MaybeSnapshot() noexcept {}
void DecisionCore::WriteSnapshot() noexcept {}
void DecisionCore::SaveState(std::string* out) const { out->clear(); }
absl::Status DecisionCore::LoadState(std::string_view) { return absl::UnimplementedError("snapshots: not yet"); }

}  // namespace hs::engine
