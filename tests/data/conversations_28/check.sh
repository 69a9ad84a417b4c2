#!/usr/bin/env bash
# Check conversations_28/questions.jsonl against the four libraries it was written for (../check_conversations.sh).
exec bash "$(dirname "${BASH_SOURCE[0]}")/../check_conversations.sh" conversations_28 C28- train_library_12 train_library_13 blind_library_7 blind_library_8
