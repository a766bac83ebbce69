// The installed contract kit (todo/testing/task_repository_contract.hpp)
// run on both of the project's adapters: what an outside adapter is held to
// must hold for ours too.

#include <memory>
#include <string>

#include "backends.hpp"
#include "todo/testing/task_repository_contract.hpp"

namespace todo::test {
namespace {

template <class Backend>
class BackendSubject final : public testing::ContractSubject {
 public:
  core::TaskRepository& tasks() override { return backend_.port(); }
  core::Caller add_user(const std::string& email) override {
    auto user = backend_.users().create(core::NewUser{email, std::nullopt, "hash", core::from_unix_seconds(0)});
    REQUIRE(user);
    return core::caller_of(*user);
  }
  void revoke(const core::Caller& caller) override { REQUIRE(backend_.users().bump_token_version(caller.user_id())); }
  void remove_user(const core::Caller& caller) override { backend_.delete_user(caller.user_id()); }

 private:
  Backend backend_;
};

}  // namespace

TEMPLATE_TEST_CASE("the installed contract kit passes on the project's adapters", "[contract][kit]",
                   TODO_CONTRACT_BACKENDS) {
  const auto failures =
      testing::run_task_repository_contract([] { return std::make_unique<BackendSubject<TestType>>(); });
  for (const std::string& failure : failures) FAIL_CHECK(failure);
  CHECK(failures.empty());
}

}  // namespace todo::test
