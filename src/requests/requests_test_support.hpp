// Test fixture for the requests tests: the directory fixture (fresh SQLite database, manual
// clock, organisations, accounts, contacts) with the requests migrations applied too, and helpers
// for valid requests. Tests only.
#pragma once

#include <string>
#include <vector>

#include "directory/directory_test_support.hpp"
#include "requests/requests.hpp"

namespace liaison::requests::testing {

class RequestsTest : public directory::testing::DirectoryTest {
 protected:
  void SetUp() override;

  // A complete mitigation request to `state`, TLP:GREEN, urgent, with two indicators.
  RequestDraft Mitigation(const std::string& state);
  // Creates a request as `actor`; fails the test on error.
  CooperationRequest Create(const security::Principal& actor, const RequestDraft& draft,
                            Submission submission = Submission::kSubmitNow);
  // Applies a transition at the request's current version; returns the result.
  Result<CooperationRequest> Apply(const security::Principal& actor, const CooperationRequest& r,
                                   TransitionInput input);
  // The queued e-mails about request `id`: (recipient, template subject line) pairs.
  struct Mail {
    std::string to;
    std::string subject;
    std::string body;
    bool encrypted = false;
  };
  std::vector<Mail> MailsAbout(const std::string& id);
  // The queued webhook events about request `id`: (organisation's webhook url, event type).
  std::vector<std::string> EventsAbout(const std::string& id);

  // The usual parties of a request between two states: CERT-FR, CERT-Bund and CSIRT Italia with
  // one technical account each, and the secretariat's operator.
  struct Parties {
    security::Organization fr_cert, de_cert, it_cert;
    security::Principal fr, de, it, op;
  };
  Parties MakeParties();

  // Runs a write statement directly (to set up what other modules own, e.g. a stale contact).
  void Exec(const std::string& sql, const store::Params& params = {});

  RequestSettings settings_;
};

}  // namespace liaison::requests::testing
