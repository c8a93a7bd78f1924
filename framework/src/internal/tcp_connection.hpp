#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <caf/error.hpp>
#include <caf/message.hpp>

#include "internal/asio.hpp"
#include "ply/transport.hpp"

namespace ply::detail {

class io_thread;

/// A TCP connection owned by one reactor thread: the transport of one protocol actor. All state is
/// touched on the owning thread only; transport calls from other threads are posted there. No
/// per-connection read buffer: it waits for readability and reads into the thread's buffer.
class tcp_connection final : public transport,
                             public std::enable_shared_from_this<tcp_connection> {
public:
  tcp_connection(io_thread& thread, tcp::socket socket, uint64_t id);
  ~tcp_connection() override;

  /// Registers with the thread. Called on the owning thread right after construction.
  void open();

  void write(bytes_view data) override;
  void lose_connection() override;
  void abort_connection() override;
  address peer() const override;
  address host() const override;
  void pause_reading() override;
  void resume_reading() override;
  void set_write_watermarks(size_t high, size_t low) override;
  uint64_t id() const override;
  void attach(caf::actor protocol) override;

  /// The socket has bytes (or EOF, or an error) to read: called by the thread's read poller.
  void on_readable();

private:
  enum class state { open, closing, closed };

  template <class F>
  void on_thread(F f);

  void do_write(bytes_view data);
  void start_read();
  void stop_read();
  void start_write_wait();
  void on_writable(const boost::system::error_code& ec);
  void check_watermarks();
  void do_lose();
  void close(caf::error reason, bool graceful);
  void fail(const boost::system::error_code& ec, const char* during);
  void deliver(caf::message msg);
  void send_lost(caf::error reason);

  io_thread& thread_;
  tcp::socket socket_;
  uint64_t id_;
  address peer_;
  address host_;
  caf::actor protocol_;
  std::string wbuf_;
  size_t woff_ = 0;
  size_t high_water_ = default_high_water_mark;
  size_t low_water_ = default_low_water_mark;
  state state_ = state::open;
  bool read_watched_ = false;
  bool read_paused_ = false;
  bool read_eof_ = false;
  bool write_pending_ = false;
  bool producer_paused_ = false;
  bool lost_sent_ = false;
  caf::error close_reason_;
};

} // namespace ply::detail
