#include "core/messages/messages.h"

namespace hs {

const char* FeedStateName(FeedState s) noexcept {
  switch (s) {
    case FeedState::kDisconnected:
      return "disconnected";
    case FeedState::kConnecting:
      return "connecting";
    case FeedState::kSyncing:
      return "syncing";
    case FeedState::kSynced:
      return "synced";
    case FeedState::kGap:
      return "gap";
    case FeedState::kChecksumFailed:
      return "checksum_failed";
    case FeedState::kCrossed:
      return "crossed";
    case FeedState::kStale:
      return "stale";
  }
  return "unknown";
}

const char* ExecKindName(ExecKind k) noexcept {
  switch (k) {
    case ExecKind::kAck:
      return "ack";
    case ExecKind::kFill:
      return "fill";
    case ExecKind::kCanceled:
      return "canceled";
    case ExecKind::kRejected:
      return "rejected";
    case ExecKind::kUnknown:
      return "unknown";
  }
  return "?";
}

const char* OrderPurposeName(OrderPurpose p) noexcept {
  switch (p) {
    case OrderPurpose::kArbitrage:
      return "arbitrage";
    case OrderPurpose::kRebalance:
      return "rebalance";
    case OrderPurpose::kHedge:
      return "hedge";
    case OrderPurpose::kUnwind:
      return "unwind";
    case OrderPurpose::kDeleverage:
      return "deleverage";
    case OrderPurpose::kCarry:
      return "carry";
  }
  return "?";
}

void ClearMeasurements(OrderIntent& i) noexcept {
  i.origin_stamp = {};
  i.decision_stamp = {};
}

void ClearMeasurements(VenueMsg& m) noexcept {
  switch (m.kind) {
    case VenueMsg::Kind::kBookTop:
      m.top.recv_stamp = {};
      m.top.publish_stamp = {};
      break;
    case VenueMsg::Kind::kStatus:
      m.status.stamp = {};
      break;
    case VenueMsg::Kind::kExec:
      m.exec.recv_stamp = {};
      m.exec.wire_stamp = {};
      break;
    case VenueMsg::Kind::kBalance:
    case VenueMsg::Kind::kMark:
    case VenueMsg::Kind::kPosition:
    case VenueMsg::Kind::kMarginAccount:
    case VenueMsg::Kind::kFunding:
      break;
  }
}

const char* MarginModeName(MarginMode m) noexcept {
  switch (m) {
    case MarginMode::kCross:
      return "cross";
    case MarginMode::kIsolated:
      return "isolated";
  }
  return "?";
}

const char* ControlOpName(ControlOp op) noexcept {
  switch (op) {
    case ControlOp::kNone:
      return "none";
    case ControlOp::kHalt:
      return "halt";
    case ControlOp::kReduce:
      return "reduce";
    case ControlOp::kResume:
      return "resume";
    case ControlOp::kKill:
      return "kill";
    case ControlOp::kShutdown:
      return "shutdown";
    case ControlOp::kTimer:
      return "timer";
    case ControlOp::kRefused:
      return "refused";
    case ControlOp::kDrain:
      return "drain";
    case ControlOp::kReset:
      return "reset";
    case ControlOp::kJournalFailed:
      return "journal_failed";
    case ControlOp::kBackpressure:
      return "backpressure";
  }
  return "?";
}

}  // namespace hs
