// SPDX-License-Identifier: MIT
#pragma once

// Protocols and factories the reactor and transport tests share: an echo that can throw or close,
// a streamer that honours pause_producing, a numberer whose writes are counted, a holder that
// blocks the reactor's thread until a test lets it go, and a client factory that reports failure.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include <caf/event_based_actor.hpp>

#include "ply/actor_deferred.hpp"
#include "ply/error.hpp"
#include "ply/factory.hpp"
#include "ply/protocol.hpp"
#include "recorder.hpp"

namespace ply::test {

using namespace std::chrono_literals;

class echo : public protocol {
public:
  explicit echo(recorder_ptr rec) : rec_(std::move(rec)) {
  }
  void data_received(bytes data) override {
    if (data.find("boom") != std::string::npos)
      throw std::runtime_error("boom");
    if (data.find("close") != std::string::npos) {
      transport().write("a");
      transport().lose_connection();
      transport().write("b");
      return;
    }
    transport().write(data);
  }
  void connection_lost(const caf::error& reason) override {
    rec_->add("lost:" + to_string(static_cast<errc>(reason.code())));
  }

private:
  recorder_ptr rec_;
};

/// Streams `total` bytes on connect, in 64 KiB writes, pausing when told to.
class streamer : public protocol {
public:
  streamer(recorder_ptr rec, size_t total) : rec_(std::move(rec)), left_(total) {
  }
  void connection_made() override {
    produce();
  }
  void pause_producing() override {
    rec_->add("pause");
    paused_ = true;
  }
  void resume_producing() override {
    rec_->add("resume");
    paused_ = false;
    produce();
  }
  void connection_lost(const caf::error& reason) override {
    rec_->add("lost:" + to_string(static_cast<errc>(reason.code())));
  }
  caf::message_handler extra_behavior() override {
    return {[this](caf::atom_value) { produce(); }};
  }

private:
  void produce() {
    // Writes a slice per message so that pause_producing can interleave.
    if (paused_ || left_ == 0)
      return;
    auto n = std::min<size_t>(left_, 64 * 1024);
    transport().write(std::string(n, 'x'));
    left_ -= n;
    if (left_ > 0)
      send(this, caf::atom("more"));
  }

  recorder_ptr rec_;
  size_t left_;
  bool paused_ = false;
};

/// Numbers its writes, made both when bytes arrive (on the reactor's thread) and when another
/// actor nudges it (on one of CAF's threads).
class numberer : public protocol {
public:
  numberer(std::shared_ptr<std::promise<caf::actor>> me, recorder_ptr rec, int total)
    : me_(std::move(me)), rec_(std::move(rec)), total_(total) {
  }
  void connection_made() override {
    me_->set_value(caf::actor_cast<caf::actor>(this));
  }
  void data_received(bytes data) override {
    for (size_t i = 0; i < data.size(); ++i)
      next();
  }
  caf::message_handler extra_behavior() override {
    return {[this](caf::atom_value) {
      next();
      rec_->add("nudged");
    }};
  }

private:
  void next() {
    if (written_ == total_)
      return;
    transport().write(std::to_string(written_++) + "\n");
    if (written_ == total_)
      transport().lose_connection();
  }

  std::shared_ptr<std::promise<caf::actor>> me_;
  recorder_ptr rec_;
  int total_;
  int written_ = 0;
};

/// Holds the reactor's thread in `data_received` until the test lets the n-th call go.
class holder : public protocol {
public:
  struct gate {
    std::atomic<int> calls{0};
    std::atomic<int> opened{0};
  };
  holder(recorder_ptr rec, std::shared_ptr<gate> g) : rec_(std::move(rec)), gate_(std::move(g)) {
  }
  void data_received(bytes) override {
    auto me = ++gate_->calls;
    rec_->add("held " + std::to_string(me));
    auto until = std::chrono::steady_clock::now() + 5s;
    while (gate_->opened < me && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(1ms);
  }

private:
  recorder_ptr rec_;
  std::shared_ptr<gate> gate_;
};

/// Asks another actor about every chunk it receives, and writes the answer when it comes.
class asker : public protocol {
public:
  asker(caf::actor oracle, recorder_ptr rec) : oracle_(std::move(oracle)), rec_(std::move(rec)) {
  }
  void data_received(bytes data) override {
    ply::request<std::string>(this, oracle_, std::chrono::seconds(5), caf::atom("ask"),
                              std::string{data})
      .add_callback([this](const std::string& answer) { transport().write(answer); });
  }
  void connection_lost(const caf::error& reason) override {
    rec_->add("lost:" + to_string(static_cast<errc>(reason.code())));
  }

private:
  caf::actor oracle_;
  recorder_ptr rec_;
};

/// Answers after 200 ms. (A class: CAF 0.17 spawns a function without arguments through a null
/// pointer, which UBSan reports.)
class slow_oracle : public caf::event_based_actor {
public:
  using caf::event_based_actor::event_based_actor;
  caf::behavior make_behavior() override {
    return {[](caf::atom_value, const std::string& question) {
      std::this_thread::sleep_for(200ms);
      return "answer to " + question;
    }};
  }
};

class failing_client : public client_factory {
public:
  explicit failing_client(std::shared_ptr<std::promise<std::string>> result)
    : result_(std::move(result)) {
  }
  caf::actor build_protocol(const ply::address&) override {
    return spawn_protocol<echo>(std::make_shared<recorder>());
  }
  void client_connection_failed(const caf::error& reason) override {
    result_->set_value(describe(reason));
  }

private:
  std::shared_ptr<std::promise<std::string>> result_;
};

class stop_watch_factory : public factory {
public:
  explicit stop_watch_factory(recorder_ptr rec) : rec_(std::move(rec)) {
  }
  caf::actor build_protocol(const ply::address&) override {
    return spawn_protocol<echo>(rec_);
  }
  void start_factory() override {
    rec_->add("start_factory");
  }
  void stop_factory() override {
    rec_->add("stop_factory");
  }

private:
  recorder_ptr rec_;
};


} // namespace ply::test
