#pragma once

/// Everything a ply program usually needs.
#include "ply/address.hpp"
#include "ply/atoms.hpp"
#include "ply/bytes.hpp"
#include "ply/command_line.hpp"
#include "ply/endpoint.hpp"
#include "ply/error.hpp"
#include "ply/factory.hpp"
#include "ply/length_prefixed_receiver.hpp"
#include "ply/line_receiver.hpp"
#include "ply/log.hpp"
#include "ply/protocol.hpp"
#include "ply/reactor.hpp"
#include "ply/run.hpp"
#include "ply/time.hpp"
#include "ply/transport.hpp"
