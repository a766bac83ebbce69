// UserRepository contract, run on the memory and the PostgreSQL adapter.

#include "contract_support.hpp"

using namespace todo;
using namespace todo::test;
using core::ErrorCode;

TEMPLATE_TEST_CASE("create returns the user with a new id and exactly the given fields", "[contract][users]",
                   TODO_CONTRACT_BACKENDS) {
  TestType backend;
  auto created = backend.users().create(
      core::NewUser{"ada@example.com", std::string("Ada_L"), "$2b$12$hash", at(123'456)});
  REQUIRE(created);
  CHECK(created->id > 0);
  CHECK(created->email == "ada@example.com");
  CHECK(created->username == std::optional<std::string>("Ada_L"));
  CHECK(created->password_hash == "$2b$12$hash");
  CHECK(created->token_version == 0);
  CHECK(created->created_at == at(123'456));

  const auto other = add_user(backend.users(), "bob@example.com");
  CHECK(other.id != created->id);
  CHECK(other.id > 0);
  CHECK_FALSE(other.username.has_value());
}

TEMPLATE_TEST_CASE("find_by_id and find_by_email return the stored user, NotFound when absent",
                   "[contract][users]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto ada = add_user(backend.users(), "ada@example.com", "ada");
  auto by_id = backend.users().find_by_id(ada.id);
  REQUIRE(by_id);
  CHECK(by_id->email == "ada@example.com");
  CHECK(by_id->created_at == ada.created_at);
  auto by_email = backend.users().find_by_email("ada@example.com");
  REQUIRE(by_email);
  CHECK(by_email->id == ada.id);
  CHECK(by_email->username == std::optional<std::string>("ada"));

  CHECK(code_of(backend.users().find_by_id(ada.id + 1000)) == ErrorCode::NotFound);
  CHECK(code_of(backend.users().find_by_email("nobody@example.com")) == ErrorCode::NotFound);
}

TEMPLATE_TEST_CASE("find_by_email ignores ASCII case", "[contract][users]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto ada = add_user(backend.users(), "ada@example.com");
  auto found = backend.users().find_by_email("ADA@Example.COM");
  REQUIRE(found);
  CHECK(found->id == ada.id);
}

TEMPLATE_TEST_CASE("an email already taken, in any ASCII case, is AlreadyExists 'email already registered'",
                   "[contract][users]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  add_user(backend.users(), "ada@example.com");
  for (const char* email : {"ada@example.com", "ADA@example.com", "Ada@Example.Com"}) {
    auto again = backend.users().create(core::NewUser{email, std::nullopt, "h", at(1)});
    REQUIRE_FALSE(again);
    CHECK(again.error().code == ErrorCode::AlreadyExists);
    CHECK(again.error().message == "email already registered");
  }
}

TEMPLATE_TEST_CASE("a username already taken, in any ASCII case, is AlreadyExists 'username already taken'",
                   "[contract][users]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  add_user(backend.users(), "ada@example.com", "Ada");
  auto clash = backend.users().create(core::NewUser{"other@example.com", std::string("aDA"), "h", at(1)});
  REQUIRE_FALSE(clash);
  CHECK(clash.error().code == ErrorCode::AlreadyExists);
  CHECK(clash.error().message == "username already taken");
  // The refused user left nothing behind: its email is still free.
  CHECK(code_of(backend.users().find_by_email("other@example.com")) == ErrorCode::NotFound);
  add_user(backend.users(), "other@example.com", "ada2");
}

TEMPLATE_TEST_CASE("users without a username never clash with each other", "[contract][users]",
                   TODO_CONTRACT_BACKENDS) {
  TestType backend;
  add_user(backend.users(), "a@example.com");
  add_user(backend.users(), "b@example.com");
  add_user(backend.users(), "c@example.com");
}

TEMPLATE_TEST_CASE("email case folding is ASCII only: non-ASCII letters differing in case are distinct",
                   "[contract][users]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto upper = add_user(backend.users(), "\xC3\x89lan@example.com");  // "Élan"
  const auto lower = add_user(backend.users(), "\xC3\xA9lan@example.com");  // "élan"
  CHECK(upper.id != lower.id);
  auto found = backend.users().find_by_email("\xC3\xA9lan@example.com");
  REQUIRE(found);
  CHECK(found->id == lower.id);
}

TEMPLATE_TEST_CASE("bump_token_version adds one each time and returns the updated user", "[contract][users]",
                   TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto ada = add_user(backend.users(), "ada@example.com");
  auto first = backend.users().bump_token_version(ada.id);
  REQUIRE(first);
  CHECK(first->token_version == 1);
  auto second = backend.users().bump_token_version(ada.id);
  REQUIRE(second);
  CHECK(second->token_version == 2);
  CHECK(second->password_hash == ada.password_hash);
  CHECK(backend.users().find_by_id(ada.id)->token_version == 2);
  CHECK(code_of(backend.users().bump_token_version(ada.id + 1000)) == ErrorCode::NotFound);
}

TEMPLATE_TEST_CASE("set_password replaces the hash and increments the token version", "[contract][users]",
                   TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto ada = add_user(backend.users(), "ada@example.com");
  const auto bob = add_user(backend.users(), "bob@example.com");
  auto changed = backend.users().set_password(ada.id, "new-hash");
  REQUIRE(changed);
  CHECK(changed->password_hash == "new-hash");
  CHECK(changed->token_version == 1);
  CHECK(backend.users().find_by_email("ada@example.com")->password_hash == "new-hash");
  CHECK(backend.users().find_by_id(bob.id)->password_hash == bob.password_hash);
  CHECK(backend.users().find_by_id(bob.id)->token_version == 0);
  CHECK(code_of(backend.users().set_password(ada.id + 1000, "x")) == ErrorCode::NotFound);
}

TEMPLATE_TEST_CASE("replace_password_hash swaps only the hash that was read and keeps the token version",
                   "[contract][users]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto ada = add_user(backend.users(), "ada@example.com");
  const auto bob = add_user(backend.users(), "bob@example.com");
  auto swapped = backend.users().replace_password_hash(ada.id, ada.password_hash, "rehashed");
  REQUIRE(swapped);
  CHECK(*swapped);
  const auto after = backend.users().find_by_id(ada.id);
  REQUIRE(after);
  CHECK(after->password_hash == "rehashed");
  CHECK(after->token_version == ada.token_version);
  // A stale `expected` (the password changed meanwhile) writes nothing.
  auto stale = backend.users().replace_password_hash(ada.id, ada.password_hash, "older");
  REQUIRE(stale);
  CHECK_FALSE(*stale);
  CHECK(backend.users().find_by_id(ada.id)->password_hash == "rehashed");
  CHECK(backend.users().find_by_id(bob.id)->password_hash == bob.password_hash);
  auto missing = backend.users().replace_password_hash(ada.id + 1000, "rehashed", "x");
  REQUIRE(missing);
  CHECK_FALSE(*missing);
}

TEMPLATE_TEST_CASE("current answers the caller's user while its session is current, Unauthenticated after",
                   "[contract][users][sessions]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto ada = add_user(backend.users(), "ada@example.com", "ada");
  const core::Caller session = core::caller_of(ada);
  auto now = core::await_result<core::User>([&](core::Completion<core::User> done) {
    backend.users().current(session, std::move(done));
  });
  REQUIRE(now);
  CHECK(now->id == ada.id);
  CHECK(now->username == std::optional<std::string>("ada"));
  REQUIRE(backend.users().bump_token_version(ada.id));
  auto stale = core::await_result<core::User>([&](core::Completion<core::User> done) {
    backend.users().current(session, std::move(done));
  });
  CHECK(code_of(stale) == ErrorCode::Unauthenticated);
  auto nobody = core::await_result<core::User>([&](core::Completion<core::User> done) {
    backend.users().current(core::Caller(ada.id + 1000, core::TokenVersion(0)), std::move(done));
  });
  CHECK(code_of(nobody) == ErrorCode::Unauthenticated);
}

TEMPLATE_TEST_CASE("end_sessions bumps the token version once, only for a current session",
                   "[contract][users][sessions]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto ada = add_user(backend.users(), "ada@example.com");
  const core::Caller session = core::caller_of(ada);
  const auto end = [&](const core::Caller& caller) {
    return core::await_result<core::User>([&](core::Completion<core::User> done) {
      backend.users().end_sessions(caller, std::move(done));
    });
  };
  auto ended = end(session);
  REQUIRE(ended);
  CHECK(ended->token_version == ada.token_version + 1);
  // The same (now stale) session cannot end the new ones.
  CHECK(code_of(end(session)) == ErrorCode::Unauthenticated);
  auto read = backend.users().find_by_id(ada.id);
  REQUIRE(read);
  CHECK(read->token_version == ada.token_version + 1);
  backend.delete_user(ada.id);
  CHECK(code_of(end(core::caller_of(*read))) == ErrorCode::Unauthenticated);
}
