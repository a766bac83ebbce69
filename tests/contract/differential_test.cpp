// The same random tasks, edits and queries on both adapters must give the
// same pages, in the same order, with the same totals.

#include <random>

#include "contract_support.hpp"

using namespace todo;
using namespace todo::test;

namespace {

template <class T>
const T& pick(std::mt19937& rng, const std::vector<T>& from) {
  return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
}

bool chance(std::mt19937& rng, int percent) {
  return std::uniform_int_distribution<int>(0, 99)(rng) < percent;
}

std::string describe(const core::Task& t) {
  std::string out = std::to_string(t.id.value()) + "|" + std::to_string(t.user_id.value()) + "|" + t.title + "|" +
                    (t.description ? "d:" + *t.description : "-") + "|" + (t.completed ? "c" : "o") + "|" +
                    core::to_string(t.priority) + "|" + core::join_tags(t.tags) + "|" +
                    (t.due_date ? core::format_timestamp(*t.due_date) : "-") + "|" +
                    core::format_timestamp(t.created_at) + "|" + core::format_timestamp(t.updated_at);
  return out;
}

std::vector<std::string> describe(const core::TaskPage& page) {
  std::vector<std::string> out{"total=" + std::to_string(page.total)};
  for (const auto& t : page.items) out.push_back(describe(t));
  return out;
}

}  // namespace

TEST_CASE("memory and PostgreSQL list the same pages for random tasks, edits and queries",
          "[contract][differential]") {
  MemoryBackend memory;
  PgBackend postgres;
  std::mt19937 rng(20261126);

  const std::vector<std::string> words{"alpha", "Alpha", "ALPHA", "beta", "b%ta", "gam_ma", "back\\slash",
                                       "\xC3\x89t\xC3\xA9", "\xC3\xA9t\xC3\xA9", "zulu", "_x", "a", "Zed"};
  const std::vector<std::string> tags{"work", "Work", "home", "\xC3\xBCn\xC3\xAF", "\xC3\x9CN\xC3\x8F",
                                      "x%y", "to do"};
  const std::vector<core::Priority> priorities{core::Priority::High, core::Priority::Medium,
                                               core::Priority::Low};

  core::UserId owners[2] = {};
  for (int i = 0; i < 2; ++i) {
    const std::string email = "user" + std::to_string(i) + "@example.com";
    owners[i] = add_user(memory.users(), email).id;
    REQUIRE(add_user(postgres.users(), email).id == owners[i]);
  }

  std::vector<core::TaskId> created;
  for (int i = 0; i < 240; ++i) {
    TaskDraft t = new_task(owners[i % 6 == 0 ? 1 : 0], pick(rng, words), at(std::uniform_int_distribution<int>(0, 30)(rng)));
    if (chance(rng, 50)) t.title += " " + pick(rng, words);
    if (chance(rng, 60)) t.description = chance(rng, 20) ? std::string() : pick(rng, words) + " " + pick(rng, words);
    t.completed = chance(rng, 40);
    t.priority = pick(rng, priorities);
    for (const auto& tag : tags) {
      if (chance(rng, 15)) t.tags.push_back(tag);
    }
    if (chance(rng, 70)) t.due_date = at(1000 * std::uniform_int_distribution<int>(0, 6)(rng));
    const auto a = add_task(memory.tasks(), t);
    const auto b = add_task(postgres.tasks(), t);
    REQUIRE(describe(a) == describe(b));
    created.push_back(a.id);
  }
  for (int i = 0; i < 80; ++i) {
    const core::TaskId id = pick(rng, created);
    const core::UserId owner = owners[chance(rng, 85) ? 0 : 1];
    const auto now = at(40 + std::uniform_int_distribution<int>(0, 20)(rng));
    if (chance(rng, 30)) {
      auto a = memory.tasks().toggle_completed(owner, id, now);
      auto b = postgres.tasks().toggle_completed(owner, id, now);
      REQUIRE(a.has_value() == b.has_value());
      if (a) REQUIRE(describe(*a) == describe(*b));
      continue;
    }
    PatchSpec patch;
    if (chance(rng, 40)) patch.title = pick(rng, words);
    if (chance(rng, 30)) {
      patch.description = chance(rng, 50) ? std::optional<std::string>() : std::optional<std::string>(pick(rng, words));
    }
    if (chance(rng, 30)) patch.priority = pick(rng, priorities);
    if (chance(rng, 30)) patch.tags = chance(rng, 30) ? std::vector<std::string>{} : std::vector<std::string>{pick(rng, tags)};
    if (chance(rng, 30)) {
      patch.due_date = chance(rng, 40) ? std::optional<core::Timestamp>() : std::optional<core::Timestamp>(at(500));
    }
    auto a = memory.tasks().update(owner, id, patch, now);
    auto b = postgres.tasks().update(owner, id, patch, now);
    REQUIRE(a.has_value() == b.has_value());
    if (a) REQUIRE(describe(*a) == describe(*b));
  }

  const std::vector<std::optional<std::string>> tag_filters{std::nullopt, "work", "\xC3\xBCn\xC3\xAF", "TO DO", "x%y"};
  const std::vector<std::optional<std::string>> searches{std::nullopt, "al", "%", "_", "\\", "\xC3\x89", "A", "t\xC3\xA9 z"};
  const std::vector<int> limits{1, 7, 100, 500};
  const std::vector<std::int64_t> offsets{0, 0, 3, 40, 150, 1000};
  int compared = 0;
  for (int by = 0; by < 5; ++by) {
    for (int order = 0; order < 2; ++order) {
      for (int round = 0; round < 40; ++round) {
        core::TaskQuery q;
        q.sort_by = static_cast<core::SortBy>(by);
        q.order = static_cast<core::SortOrder>(order);
        if (chance(rng, 30)) q.completed = chance(rng, 50);
        if (chance(rng, 25)) q.priority = pick(rng, priorities);
        q.tag = chance(rng, 30) ? pick(rng, tag_filters) : std::nullopt;
        q.search = chance(rng, 30) ? pick(rng, searches) : std::nullopt;
        q.limit = pick(rng, limits);
        q.offset = pick(rng, offsets);
        const core::UserId owner = owners[chance(rng, 80) ? 0 : 1];
        auto a = memory.tasks().list(owner, q);
        auto b = postgres.tasks().list(owner, q);
        REQUIRE(a);
        REQUIRE(b);
        INFO("sort " << by << " order " << order << " limit " << q.limit << " offset " << q.offset
                     << " tag " << q.tag.value_or("-") << " search " << q.search.value_or("-"));
        REQUIRE(describe(*a) == describe(*b));
        // The authenticated variant (token version 0 is every owner's
        // current one here) reads the same page through its own statements.
        auto c = postgres.tasks().list(as_caller(owner, 0), q);
        REQUIRE(c);
        REQUIRE(describe(*c) == describe(*b));
        ++compared;
      }
    }
  }
  CHECK(compared == 400);
}
