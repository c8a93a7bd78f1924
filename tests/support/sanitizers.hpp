// SPDX-License-Identifier: MIT
#pragma once

/// PLY_TEST_SANITIZED is 1 in a build with ASan or TSan (g++ names them with __SANITIZE_*__,
/// clang before version 22 only through __has_feature): resident-memory figures say nothing
/// there (ASan's quarantine keeps freed memory resident, TSan's shadow memory grows with every
/// address touched), and timing bounds need more room.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PLY_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PLY_TEST_SANITIZED 1
#endif
#endif
#ifndef PLY_TEST_SANITIZED
#define PLY_TEST_SANITIZED 0
#endif
