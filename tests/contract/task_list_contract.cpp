// TaskRepository::list contract: filters, search, every sort, window and
// total, run on both adapters.

#include "contract_support.hpp"

using namespace todo;
using namespace todo::test;
using core::Priority;
using core::SortBy;
using core::SortOrder;
using Titles = std::vector<std::string>;

namespace {

core::TaskQuery sorted(SortBy by, SortOrder order) {
  core::TaskQuery q;
  q.sort_by = by;
  q.order = order;
  return q;
}

template <class Backend>
Titles list_titles(Backend& backend, core::UserId owner, const core::TaskQuery& q) {
  auto page = backend.tasks().list(owner, q);
  REQUIRE(page);
  return titles(*page);
}

}  // namespace

TEMPLATE_TEST_CASE("list shows only the owner's tasks", "[contract][list]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto ada = add_user(backend.users(), "ada@example.com");
  const auto bob = add_user(backend.users(), "bob@example.com");
  add_task(backend.tasks(), new_task(ada.id, "a1"));
  add_task(backend.tasks(), new_task(bob.id, "b1"));
  add_task(backend.tasks(), new_task(ada.id, "a2"));
  auto page = backend.tasks().list(ada.id, core::TaskQuery{});
  REQUIRE(page);
  CHECK(titles(*page) == Titles{"a1", "a2"});
  CHECK(page->total == 2);
  const auto nobody = add_user(backend.users(), "carol@example.com");
  auto empty = backend.tasks().list(nobody.id, core::TaskQuery{});
  REQUIRE(empty);
  CHECK(empty->items.empty());
  CHECK(empty->total == 0);
}

TEMPLATE_TEST_CASE("list filters by completed and by priority", "[contract][list]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto u = add_user(backend.users(), "ada@example.com");
  const auto add = [&](const char* title, bool completed, Priority p) {
    auto t = new_task(u.id, title);
    t.completed = completed;
    t.priority = p;
    add_task(backend.tasks(), t);
  };
  add("done-high", true, Priority::High);
  add("open-high", false, Priority::High);
  add("done-low", true, Priority::Low);
  add("open-medium", false, Priority::Medium);

  core::TaskQuery done;
  done.completed = true;
  CHECK(list_titles(backend, u.id, done) == Titles{"done-high", "done-low"});
  core::TaskQuery open;
  open.completed = false;
  CHECK(list_titles(backend, u.id, open) == Titles{"open-high", "open-medium"});
  core::TaskQuery high;
  high.priority = Priority::High;
  CHECK(list_titles(backend, u.id, high) == Titles{"done-high", "open-high"});
  core::TaskQuery open_high = high;
  open_high.completed = false;
  auto page = backend.tasks().list(u.id, open_high);
  REQUIRE(page);
  CHECK(titles(*page) == Titles{"open-high"});
  CHECK(page->total == 1);
}

TEMPLATE_TEST_CASE("tag matches one whole entry of the list, ASCII case-insensitively", "[contract][list]",
                   TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto u = add_user(backend.users(), "ada@example.com");
  const auto add = [&](const char* title, std::vector<std::string> tags) {
    auto t = new_task(u.id, title);
    t.tags = std::move(tags);
    add_task(backend.tasks(), t);
  };
  add("work", {"Work", "home-office"});
  add("homework", {"homework"});
  add("none", {});
  add("accent", {"\xC3\x9C" "ber"});  // "Über"
  add("spaced", {"to do", "x%y"});
  const auto with_tag = [&](const char* tag) {
    core::TaskQuery q;
    q.tag = tag;
    return list_titles(backend, u.id, q);
  };
  CHECK(with_tag("work") == Titles{"work"});
  CHECK(with_tag("WORK") == Titles{"work"});
  CHECK(with_tag("home-office") == Titles{"work"});
  CHECK(with_tag("home") == Titles{});
  CHECK(with_tag("office") == Titles{});
  CHECK(with_tag("Work,home-office") == Titles{});
  CHECK(with_tag("HOMEWORK") == Titles{"homework"});
  CHECK(with_tag("\xC3\x9C" "BER") == Titles{"accent"});   // ASCII part folded
  CHECK(with_tag("\xC3\xBC" "ber") == Titles{});           // "über": Ü is not folded
  CHECK(with_tag("to do") == Titles{"spaced"});
  CHECK(with_tag("x%y") == Titles{"spaced"});
  CHECK(with_tag("x_y") == Titles{});
}

TEMPLATE_TEST_CASE("search is an ASCII case-insensitive literal substring of title or description",
                   "[contract][list]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto u = add_user(backend.users(), "ada@example.com");
  const auto add = [&](const char* title, std::optional<std::string> description) {
    auto t = new_task(u.id, title);
    t.description = std::move(description);
    add_task(backend.tasks(), t);
  };
  add("Buy MILK", std::nullopt);
  add("call", std::string("about the milkman"));
  add("100% done", std::string("a_b"));
  add("path", std::string("C:\\temp"));
  add("\xC3\x89t\xC3\xA9", std::nullopt);  // "Été"
  add("plain", std::string("nothing"));
  const auto search = [&](const std::string& text) {
    core::TaskQuery q;
    q.search = text;
    return list_titles(backend, u.id, q);
  };
  CHECK(search("milk") == Titles{"Buy MILK", "call"});
  CHECK(search("MiLk") == Titles{"Buy MILK", "call"});
  CHECK(search("%") == Titles{"100% done"});
  CHECK(search("0% d") == Titles{"100% done"});
  CHECK(search("_") == Titles{"100% done"});
  CHECK(search("a_b") == Titles{"100% done"});
  CHECK(search("axb") == Titles{});
  CHECK(search("\\") == Titles{"path"});
  CHECK(search("c:\\TEMP") == Titles{"path"});
  CHECK(search("\xC3\x89t\xC3\xA9") == Titles{"\xC3\x89t\xC3\xA9"});
  CHECK(search("\xC3\xA9t\xC3\xA9") == Titles{});  // "été": É is not folded
  CHECK(search("T\xC3\xA9") == Titles{"\xC3\x89t\xC3\xA9"});
  CHECK(search("nothing at all") == Titles{});
}

TEMPLATE_TEST_CASE("sort by created_at or updated_at, both orders, ties by id ascending", "[contract][list]",
                   TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto u = add_user(backend.users(), "ada@example.com");
  add_task(backend.tasks(), new_task(u.id, "t2-first", at(2)));
  add_task(backend.tasks(), new_task(u.id, "t1", at(1)));
  add_task(backend.tasks(), new_task(u.id, "t2-second", at(2)));
  add_task(backend.tasks(), new_task(u.id, "t3", at(3)));
  CHECK(list_titles(backend, u.id, sorted(SortBy::CreatedAt, SortOrder::Asc)) ==
        Titles{"t1", "t2-first", "t2-second", "t3"});
  CHECK(list_titles(backend, u.id, sorted(SortBy::CreatedAt, SortOrder::Desc)) ==
        Titles{"t3", "t2-first", "t2-second", "t1"});

  auto first = backend.tasks().list(u.id, sorted(SortBy::CreatedAt, SortOrder::Asc));
  REQUIRE(first);
  // Touch t1 last and t3 first: updated_at order differs from created_at.
  REQUIRE(backend.tasks().update(u.id, first->items[0].id, PatchSpec{}, at(50)));
  REQUIRE(backend.tasks().update(u.id, first->items[3].id, PatchSpec{}, at(4)));
  CHECK(list_titles(backend, u.id, sorted(SortBy::UpdatedAt, SortOrder::Asc)) ==
        Titles{"t2-first", "t2-second", "t3", "t1"});
  CHECK(list_titles(backend, u.id, sorted(SortBy::UpdatedAt, SortOrder::Desc)) ==
        Titles{"t1", "t3", "t2-first", "t2-second"});
}

TEMPLATE_TEST_CASE("sort by due_date puts tasks without one last in both orders", "[contract][list]",
                   TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto u = add_user(backend.users(), "ada@example.com");
  const auto add = [&](const char* title, std::optional<core::Timestamp> due) {
    auto t = new_task(u.id, title);
    t.due_date = due;
    add_task(backend.tasks(), t);
  };
  add("none-1", std::nullopt);
  add("late", at(300));
  add("early", at(100));
  add("none-2", std::nullopt);
  add("mid-1", at(200));
  add("mid-2", at(200));
  CHECK(list_titles(backend, u.id, sorted(SortBy::DueDate, SortOrder::Asc)) ==
        Titles{"early", "mid-1", "mid-2", "late", "none-1", "none-2"});
  CHECK(list_titles(backend, u.id, sorted(SortBy::DueDate, SortOrder::Desc)) ==
        Titles{"late", "mid-1", "mid-2", "early", "none-1", "none-2"});
}

TEMPLATE_TEST_CASE("sort by priority: ascending is high, medium, low; ties by id", "[contract][list]",
                   TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto u = add_user(backend.users(), "ada@example.com");
  const auto add = [&](const char* title, Priority p) {
    auto t = new_task(u.id, title);
    t.priority = p;
    add_task(backend.tasks(), t);
  };
  add("low-1", Priority::Low);
  add("high-1", Priority::High);
  add("medium-1", Priority::Medium);
  add("high-2", Priority::High);
  add("low-2", Priority::Low);
  CHECK(list_titles(backend, u.id, sorted(SortBy::Priority, SortOrder::Asc)) ==
        Titles{"high-1", "high-2", "medium-1", "low-1", "low-2"});
  CHECK(list_titles(backend, u.id, sorted(SortBy::Priority, SortOrder::Desc)) ==
        Titles{"low-1", "low-2", "medium-1", "high-1", "high-2"});
}

TEMPLATE_TEST_CASE("sort by title folds ASCII case, then compares code points; ties by id",
                   "[contract][list]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto u = add_user(backend.users(), "ada@example.com");
  for (const char* title : {"banana", "Apple", "\xC3\xA9" "clair", "apple", "Zebra", "_under", "\xC3\x89" "clair",
                            "a", "B"}) {
    add_task(backend.tasks(), new_task(u.id, title));
  }
  // Folding maps letters to 0x61.., so '_' (0x5F) comes first; UTF-8 lead
  // bytes (0xC3) come after ASCII, and 'É' (C3 89) before 'é' (C3 A9).
  CHECK(list_titles(backend, u.id, sorted(SortBy::Title, SortOrder::Asc)) ==
        Titles{"_under", "a", "Apple", "apple", "B", "banana", "Zebra", "\xC3\x89" "clair", "\xC3\xA9" "clair"});
  CHECK(list_titles(backend, u.id, sorted(SortBy::Title, SortOrder::Desc)) ==
        Titles{"\xC3\xA9" "clair", "\xC3\x89" "clair", "Zebra", "banana", "B", "Apple", "apple", "a", "_under"});
}

TEMPLATE_TEST_CASE("limit and offset cut the window; total counts every match", "[contract][list]",
                   TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto u = add_user(backend.users(), "ada@example.com");
  for (int i = 0; i < 7; ++i) {
    auto t = new_task(u.id, "t" + std::to_string(i), at(i));
    t.completed = i % 2 == 0;  // t0 t2 t4 t6 completed
    add_task(backend.tasks(), t);
  }
  core::TaskQuery q;
  q.limit = 3;
  q.offset = 2;
  auto page = backend.tasks().list(u.id, q);
  REQUIRE(page);
  CHECK(titles(*page) == Titles{"t2", "t3", "t4"});
  CHECK(page->total == 7);

  q.offset = 5;
  page = backend.tasks().list(u.id, q);
  REQUIRE(page);
  CHECK(titles(*page) == Titles{"t5", "t6"});
  CHECK(page->total == 7);

  q.completed = true;
  q.offset = 1;
  q.limit = 2;
  page = backend.tasks().list(u.id, q);
  REQUIRE(page);
  CHECK(titles(*page) == Titles{"t2", "t4"});
  CHECK(page->total == 4);
}

TEMPLATE_TEST_CASE("an offset past the end gives an empty page and still the right total", "[contract][list]",
                   TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto u = add_user(backend.users(), "ada@example.com");
  for (int i = 0; i < 5; ++i) {
    auto t = new_task(u.id, "t" + std::to_string(i));
    t.priority = i < 3 ? Priority::High : Priority::Low;
    add_task(backend.tasks(), t);
  }
  core::TaskQuery q;
  q.offset = 5;
  auto page = backend.tasks().list(u.id, q);
  REQUIRE(page);
  CHECK(page->items.empty());
  CHECK(page->total == 5);

  q.offset = 1000;
  q.priority = Priority::High;
  page = backend.tasks().list(u.id, q);
  REQUIRE(page);
  CHECK(page->items.empty());
  CHECK(page->total == 3);

  q.search = "no such text";
  page = backend.tasks().list(u.id, q);
  REQUIRE(page);
  CHECK(page->total == 0);
}

TEMPLATE_TEST_CASE("a listing caller is checked: lists while the token version is current, and nothing after",
                   "[contract][list]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto ada = add_user(backend.users(), "ada@example.com");
  const auto bob = add_user(backend.users(), "bob@example.com");
  for (int i = 0; i < 4; ++i) add_task(backend.tasks(), new_task(ada.id, "a" + std::to_string(i), at(i)));
  add_task(backend.tasks(), new_task(bob.id, "b0"));
  core::TaskQuery q = sorted(SortBy::CreatedAt, SortOrder::Desc);
  q.limit = 2;
  q.offset = 1;

  auto page = backend.tasks().list(as_caller(ada.id, ada.token_version), q);
  REQUIRE(page);
  CHECK(titles(*page) == Titles{"a2", "a1"});
  CHECK(page->total == 4);

  q.offset = 10;  // an empty page still says whether the token holds
  page = backend.tasks().list(as_caller(ada.id, ada.token_version), q);
  REQUIRE(page);
  CHECK(page->items.empty());
  CHECK(page->total == 4);

  auto stale = backend.tasks().list(as_caller(ada.id, ada.token_version + 1), core::TaskQuery{});
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == core::ErrorCode::Unauthenticated);

  REQUIRE(backend.users().bump_token_version(ada.id));
  auto revoked = backend.tasks().list(as_caller(ada.id, ada.token_version), core::TaskQuery{});
  REQUIRE_FALSE(revoked);
  CHECK(revoked.error().code == core::ErrorCode::Unauthenticated);
  auto renewed = backend.tasks().list(as_caller(ada.id, ada.token_version + 1), core::TaskQuery{});
  REQUIRE(renewed);
  CHECK(renewed->total == 4);

  // The unfiltered total follows creates and removes (PostgreSQL keeps it
  // on the user's row); a filtered one is counted.
  REQUIRE(backend.tasks().remove(ada.id, renewed->items.front().id));
  add_task(backend.tasks(), new_task(ada.id, "a4", at(4)));
  add_task(backend.tasks(), new_task(ada.id, "a5", at(5)));
  renewed = backend.tasks().list(as_caller(ada.id, ada.token_version + 1), core::TaskQuery{});
  REQUIRE(renewed);
  CHECK(renewed->total == 5);
  core::TaskQuery searching;
  searching.search = "A4";
  renewed = backend.tasks().list(as_caller(ada.id, ada.token_version + 1), searching);
  REQUIRE(renewed);
  CHECK(titles(*renewed) == Titles{"a4"});
  CHECK(renewed->total == 1);
  auto bobs = backend.tasks().list(as_caller(bob.id, bob.token_version), core::TaskQuery{});
  REQUIRE(bobs);
  CHECK(bobs->total == 1);

  // An unknown user is refused even with version 0, and so is a user who
  // has no tasks but a wrong version; a user without tasks gets an empty page.
  auto nobody = backend.tasks().list(as_caller(ada.id + bob.id + 1000, 0), core::TaskQuery{});
  REQUIRE_FALSE(nobody);
  CHECK(nobody.error().code == core::ErrorCode::Unauthenticated);
  const auto carol = add_user(backend.users(), "carol@example.com");
  CHECK_FALSE(backend.tasks().list(as_caller(carol.id, carol.token_version + 5), core::TaskQuery{}));
  auto empty = backend.tasks().list(as_caller(carol.id, carol.token_version), core::TaskQuery{});
  REQUIRE(empty);
  CHECK(empty->items.empty());
  CHECK(empty->total == 0);
}

// PostgreSQL runs a list without a filter and one with a filter as two
// different statements (task_statements.hpp): a filter every task matches
// must give the same page and total in every sort, and a stale token is
// refused by both.
TEMPLATE_TEST_CASE("a filter that matches every task gives the unfiltered page and total in every sort",
                   "[contract][list]", TODO_CONTRACT_BACKENDS) {
  TestType backend;
  const auto u = add_user(backend.users(), "ada@example.com");
  const Priority priorities[] = {Priority::Low, Priority::High, Priority::Medium};
  for (int i = 0; i < 9; ++i) {
    auto t = new_task(u.id, std::string(1, static_cast<char>('a' + (i * 5) % 9)) + " match", at(i % 4));
    t.priority = priorities[i % 3];
    if (i % 2 == 0) t.due_date = at(10 - i);
    add_task(backend.tasks(), t);
  }
  for (const SortBy by : {SortBy::CreatedAt, SortBy::UpdatedAt, SortBy::DueDate, SortBy::Priority, SortBy::Title}) {
    for (const SortOrder order : {SortOrder::Asc, SortOrder::Desc}) {
      core::TaskQuery plain = sorted(by, order);
      plain.limit = 4;
      plain.offset = 2;
      core::TaskQuery filtered = plain;
      filtered.search = "MATCH";
      auto all = backend.tasks().list(u.id, plain);
      auto matched = backend.tasks().list(u.id, filtered);
      REQUIRE(all);
      REQUIRE(matched);
      CHECK(titles(*all) == titles(*matched));
      CHECK(all->items.size() == 4);
      CHECK(all->total == 9);
      CHECK(matched->total == 9);
    }
  }
  core::TaskQuery filtered;
  filtered.search = "match";
  auto stale = backend.tasks().list(as_caller(u.id, u.token_version + 1), filtered);
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == core::ErrorCode::Unauthenticated);
}
