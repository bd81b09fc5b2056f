// The unit tests' precompiled header: the core one and GoogleTest.
#ifndef EV_UNIT_PCH_H
#define EV_UNIT_PCH_H

#include "core/pch.h"

#include <gtest/gtest.h>

#endif
