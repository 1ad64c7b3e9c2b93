// PLACEHOLDER — replaced by the simulator's kraken protocol.
#include "venues/sim/sim_server.h"

namespace hs::sim {
namespace {
class Unimplemented final : public Protocol {
 public:
  void OnOpen(Peer& p) override { p.Close(); }
  void OnText(Peer&, std::string_view) override {}
  void OnBookChange(const BookChange&) override {}
};
}  // namespace

std::unique_ptr<Protocol> MakeKrakenProtocol(Server*, int) { return std::make_unique<Unimplemented>(); }

}  // namespace hs::sim
