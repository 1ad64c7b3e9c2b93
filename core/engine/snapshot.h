// Placeholder (lead): the snapshot codec lands with the snapshot work.
#pragma once
#include <string>
#include <string_view>
#include "absl/status/statusor.h"
namespace hs::engine {
absl::StatusOr<std::string> DecodeSnapshot(std::string_view encoded);
}
