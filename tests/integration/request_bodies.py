"""Valid request bodies for the cooperation-request integration tests."""


def mitigation(state="DE", **overrides):
    body = {
        "requested_state": state,
        "type": "mitigation",
        "urgency": "urgent",
        "submit": True,
        "subject": "DDoS against the national grid operator",
        "description": "Hosts in your networks take part in a DDoS against our grid operator.",
        "language": "en",
        "tlp": "GREEN",
        "sector": "energy",
        "activity_started_at": "2026-01-05T06:00:00Z",
        "activity_ongoing": True,
        "indicators": [{"type": "ipv4", "value": "198.51.100.7", "note": "bot"},
                       {"type": "domain", "value": "C2.Example.NET"}],
        "requested_actions": ["block_or_sinkhole", "share_information"],
        "mitigation": {"evidence": "NetFlow extracts", "observed_from": "2026-01-05T06:00:00Z",
                       "observed_to": "2026-01-05T07:00:00Z", "impact": "Portal unavailable"},
    }
    body.update(overrides)
    return body


def preservation(state="DE"):
    return {
        "requested_state": state,
        "type": "criminal_cooperation",
        "urgency": "critical",
        "submit": True,
        "subject": "Preservation of hosting logs",
        "description": "Extortion against a hospital",
        "language": "fr",
        "tlp": "AMBER",
        "criminal_cooperation": {
            "kind": "preservation",
            "authority": "Parquet de Paris, section J3",
            "offence": "Extortion",
            "facts": "Hospital systems encrypted on 3 January",
            "data_to_preserve": "Logs of server 203.0.113.9",
            "relation_to_offence": "The server hosted the leak site",
            "data_location": "Example Hosting GmbH, Frankfurt",
            "necessity": "Logs are kept seven days",
            "mutual_assistance_to_follow": True,
        },
    }
