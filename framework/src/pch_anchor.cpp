// SPDX-License-Identifier: MIT
// Anchor for the shared precompiled header target.
