// The halt flag the order sessions obey and the decision core's trading states always agree
// (issue 13 §3): every sequence of operator commands — halt, reduce, resume (global and per
// venue), kill, reset — and a latched breaker tripping, checked against an independent model of
// what each should leave, and against the kill switch after each step.
//
// The harness plays the control thread's part as the engine does: a kill trips the kill switch
// before the core hears of it, a global resume resets it, and a global reduce is refused while
// the switch is set. The breaker is the clock breaker (latched here): a timer input whose time
// goes backwards trips it, and only `reset clock` clears it — never a resume.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <string>
#include <vector>

#include "core/app/core_params.h"
#include "core/config/config.h"
#include "core/engine/decision_core.h"

namespace hs::engine {
namespace {

using risk::TradingState;

enum class Ev : uint8_t {
  kKill, kHaltG, kHaltV0, kHaltV1, kReduceG, kReduceV0, kReduceV1, kResumeG, kResumeV0, kResumeV1, kResetClock,
  kClockBack,
};
constexpr int kEvents = 12;
const char* EvName(Ev e) {
  static const char* names[] = {"kill", "halt", "halt v0", "halt v1", "reduce", "reduce v0", "reduce v1",
                                "resume", "resume v0", "resume v1", "reset clock", "clock steps back"};
  return names[static_cast<int>(e)];
}

// What each event must leave, written from the rules, not from the core's code.
struct Model {
  bool killed = false;
  TradingState global = TradingState::kActive;
  std::array<TradingState, 2> venue{};
  bool clock_latched = false;

  void Apply(Ev e) {
    switch (e) {
      case Ev::kKill: killed = true; break;
      case Ev::kHaltG: global = TradingState::kHalted; break;
      case Ev::kHaltV0: venue[0] = TradingState::kHalted; break;
      case Ev::kHaltV1: venue[1] = TradingState::kHalted; break;
      case Ev::kReduceG:
        if (!killed) global = TradingState::kReducing;  // the control thread refuses it under a kill
        break;
      case Ev::kReduceV0: venue[0] = TradingState::kReducing; break;
      case Ev::kReduceV1: venue[1] = TradingState::kReducing; break;
      case Ev::kResumeG: killed = false; global = TradingState::kActive; break;  // never the breaker
      case Ev::kResumeV0: venue[0] = TradingState::kActive; break;
      case Ev::kResumeV1: venue[1] = TradingState::kActive; break;
      case Ev::kResetClock: clock_latched = false; break;
      case Ev::kClockBack: clock_latched = true; break;
    }
  }
  TradingState Venue(int v) const {
    TradingState s = killed ? TradingState::kHalted : global;
    if (venue[v] > s) s = venue[v];
    if (clock_latched) s = TradingState::kHalted;
    return s;
  }
};

class StatesAgreement : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = config::ParseConfig(config::EmbeddedDemoConfig(), "demo");
    ASSERT_TRUE(c.ok()) << c.status();
    EngineParams p = app::CoreParamsFromConfig(*c, 1000);
    p.venues = 2;
    p.allocation_enabled = false;
    risk::BreakerConfig& clock = p.breakers.breaker[static_cast<size_t>(risk::BreakerId::kClock)];
    clock.enabled = true;
    clock.scope = risk::BreakerScope::kGlobal;
    clock.action = risk::BreakerAction::kHalt;
    clock.latch = true;
    clock.threshold = Nanos::FromSeconds(3600).value;  // only a step back trips it here
    DecisionCore::Wiring w;
    w.kill = &kill_;
    w.journal_failed = &journal_failed_;
    core_ = std::make_unique<DecisionCore>(p, std::move(w));
  }

  void Cmd(ControlOp op, int venue = -1, uint8_t arg = 0) {
    ControlCommand c;
    c.op = op;
    c.arg = arg;
    if (venue >= 0) c.venue = VenueId{static_cast<uint8_t>(venue)};
    now_ += 1'000'000;
    c.time = Nanos{now_};
    core_->Handle(c);
  }

  // As the engine's control thread does it, then the core.
  void Play(Ev e) {
    switch (e) {
      case Ev::kKill: kill_.Trip(); Cmd(ControlOp::kKill); break;
      case Ev::kHaltG: Cmd(ControlOp::kHalt); break;
      case Ev::kHaltV0: Cmd(ControlOp::kHalt, 0); break;
      case Ev::kHaltV1: Cmd(ControlOp::kHalt, 1); break;
      case Ev::kReduceG:
        if (!kill_.halted()) Cmd(ControlOp::kReduce);
        break;
      case Ev::kReduceV0: Cmd(ControlOp::kReduce, 0); break;
      case Ev::kReduceV1: Cmd(ControlOp::kReduce, 1); break;
      case Ev::kResumeG: kill_.Reset(); Cmd(ControlOp::kResume); break;
      case Ev::kResumeV0: Cmd(ControlOp::kResume, 0); break;
      case Ev::kResumeV1: Cmd(ControlOp::kResume, 1); break;
      case Ev::kResetClock: Cmd(ControlOp::kReset, -1, static_cast<uint8_t>(risk::BreakerId::kClock)); break;
      case Ev::kClockBack: {
        ControlCommand t;
        t.op = ControlOp::kTimer;
        now_ -= 5'000'000'000;  // the wall clock stepped back 5 s
        t.time = Nanos{now_};
        core_->Handle(t);
        break;
      }
    }
  }

  // Core, model and kill switch agree for both venues.
  ::testing::AssertionResult Agree(const Model& m, const std::string& seq) {
    for (int v = 0; v < 2; ++v) {
      const VenueId id{static_cast<uint8_t>(v)};
      const TradingState core = core_->states().venue(id);
      if (core != m.Venue(v))
        return ::testing::AssertionFailure() << seq << ": venue " << v << " is " << risk::TradingStateName(core)
                                             << ", expected " << risk::TradingStateName(m.Venue(v));
      const bool halted = core == TradingState::kHalted;
      if (kill_.halted_for(id) != halted)
        return ::testing::AssertionFailure() << seq << ": the sessions' flag for venue " << v << " says "
                                             << (kill_.halted_for(id) ? "halted" : "not halted") << " but the core is "
                                             << risk::TradingStateName(core);
    }
    if (core_->telemetry().killed != m.killed || core_->states().killed() != m.killed)
      return ::testing::AssertionFailure() << seq << ": kill latch " << core_->states().killed() << " vs " << m.killed;
    if (kill_.halted() != m.killed)
      return ::testing::AssertionFailure() << seq << ": kill switch " << kill_.halted() << " vs " << m.killed;
    return ::testing::AssertionSuccess();
  }

  runtime::KillSwitch kill_;
  std::atomic<bool> journal_failed_{false};
  std::unique_ptr<DecisionCore> core_;
  int64_t now_ = 1'700'000'000'000'000'000;
};

// Every sequence of four events (12^4 = 20736), on one core brought back to ACTIVE between
// sequences by a global resume, venue resumes and a reset (which is itself checked).
TEST_F(StatesAgreement, EverySequenceOfFourCommands) {
  int sequences = 0;
  for (int code = 0; code < kEvents * kEvents * kEvents * kEvents; ++code) {
    Model m;
    std::string seq;
    int c = code;
    for (int k = 0; k < 4; ++k) {
      const Ev e = static_cast<Ev>(c % kEvents);
      c /= kEvents;
      seq += (seq.empty() ? "" : ", ") + std::string(EvName(e));
      Play(e);
      m.Apply(e);
      ASSERT_TRUE(Agree(m, seq));
    }
    for (Ev e : {Ev::kResumeG, Ev::kResumeV0, Ev::kResumeV1, Ev::kResetClock}) {
      Play(e);
      m.Apply(e);
    }
    ASSERT_TRUE(Agree(m, seq + " then everything resumed and reset"));
    ASSERT_EQ(m.Venue(0), TradingState::kActive);
    ++sequences;
  }
  EXPECT_EQ(sequences, 20736);
}

// A resume never clears a latched breaker: the state stays HALTED (and the sessions' flag set)
// until `reset clock`, and the breaker shows latched with its trip counted.
TEST_F(StatesAgreement, ResumeNeverClearsALatchedBreaker) {
  Cmd(ControlOp::kTimer);  // a first time to step back from
  Play(Ev::kClockBack);
  const risk::BreakerSlot& slot = core_->breakers().slot(risk::BreakerId::kClock, 0);
  EXPECT_EQ(slot.state, risk::SlotState::kLatched);
  EXPECT_EQ(slot.trips, 1u);
  EXPECT_LT(slot.last_value, 0) << "a backwards step is reported as a negative step";
  for (Ev e : {Ev::kResumeG, Ev::kResumeV0, Ev::kResumeV1}) Play(e);
  EXPECT_EQ(core_->states().global(), TradingState::kHalted);
  EXPECT_TRUE(kill_.halted_for(VenueId{0}));
  EXPECT_FALSE(kill_.halted()) << "the operator's kill switch is not what holds it";
  Play(Ev::kResetClock);
  EXPECT_EQ(core_->states().global(), TradingState::kActive);
  EXPECT_FALSE(kill_.halted_for(VenueId{0}));
  EXPECT_EQ(core_->breakers().slot(risk::BreakerId::kClock, 0).state, risk::SlotState::kOk);
}

// A failed journal write (the writer's flag): the journal breaker halts everything and latches;
// neither a resume nor a reset clears it, and the sessions' flags stay set.
TEST_F(StatesAgreement, AFailedJournalHaltsAndNothingClearsIt) {
  Cmd(ControlOp::kTimer);
  journal_failed_.store(true);
  core_->DoWork();
  EXPECT_EQ(core_->breakers().slot(risk::BreakerId::kJournal, 0).state, risk::SlotState::kLatched);
  EXPECT_TRUE(core_->telemetry().journal_failed);
  EXPECT_EQ(core_->states().global(), TradingState::kHalted);
  Play(Ev::kResumeG);
  Cmd(ControlOp::kReset, -1, static_cast<uint8_t>(risk::BreakerId::kJournal));
  EXPECT_EQ(core_->breakers().slot(risk::BreakerId::kJournal, 0).state, risk::SlotState::kLatched);
  EXPECT_EQ(core_->states().global(), TradingState::kHalted);
  EXPECT_TRUE(kill_.halted_for(VenueId{0}));
  EXPECT_TRUE(kill_.halted_for(VenueId{1}));
}

}  // namespace
}  // namespace hs::engine
