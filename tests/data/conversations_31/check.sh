#!/usr/bin/env bash
# Check conversations_31/questions.jsonl against the four libraries it was written for (../check_conversations.sh).
exec bash "$(dirname "${BASH_SOURCE[0]}")/../check_conversations.sh" conversations_31 C31- train_library_14 train_library_15 blind_library_18 blind_library_23
