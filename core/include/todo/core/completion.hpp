#pragma once
// How an asynchronous core call reports back: a callback that receives the
// call's Result exactly once, either before the call returns or later on
// another thread (an adapter that waits on its database without blocking the
// caller's thread). The core includes no event loop: whoever drives the
// adapter (Asio in the server, nothing at all for the memory adapter) runs
// the callbacks.

#include <functional>

#include "todo/core/result.hpp"

namespace todo::core {

template <class T>
using Completion = std::function<void(Result<T>)>;

}  // namespace todo::core
