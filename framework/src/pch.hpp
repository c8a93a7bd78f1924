// SPDX-License-Identifier: MIT
#pragma once

// Precompiled for the framework's own sources: the heavy headers every file needs.
#include "reactor/asio.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <spdlog/spdlog.h>
