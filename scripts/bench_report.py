"""Formats scripts/bench.sh results as sections of BENCHMARKS.md.

    bench_report.py RESULTS.jsonl COMMAND           prints the "Wire" section
    bench_report.py --memory RESULT.json COMMAND    prints the "Memory" section
    bench_report.py --soak RESULT.json COMMAND      prints the "Memory soak" section
    bench_report.py --image RESULT.json COMMAND     prints the "Image worker" section
    bench_report.py --gateway RESULT.json COMMAND   prints the "Gateway" section
    bench_report.py --streams RESULT.json COMMAND   prints the "Gateway under load" section
    bench_report.py --stack-soak RESULT.json COMMAND  prints the "Whole-stack soak" section
    bench_report.py --engine RESULT.json COMMAND    prints the "A real engine through the gateway" section
    bench_report.py --recall COMMAND RESULT.json... prints the "Recall" section (one result per embedder)
    bench_report.py --update FILE SECTION.md        replaces that section in FILE (or appends it)
"""
import datetime
import json
import os
import sys

BEGIN, END = "<!-- wire:begin -->", "<!-- wire:end -->"
MEMORY_BEGIN, MEMORY_END = "<!-- memory:begin -->", "<!-- memory:end -->"
SOAK_BEGIN, SOAK_END = "<!-- soak:begin -->", "<!-- soak:end -->"
IMAGE_BEGIN, IMAGE_END = "<!-- image:begin -->", "<!-- image:end -->"
GATEWAY_BEGIN, GATEWAY_END = "<!-- gateway:begin -->", "<!-- gateway:end -->"
STACK_SOAK_BEGIN, STACK_SOAK_END = "<!-- stack-soak:begin -->", "<!-- stack-soak:end -->"
STREAMS_BEGIN, STREAMS_END = "<!-- streams:begin -->", "<!-- streams:end -->"
ENGINE_BEGIN, ENGINE_END = "<!-- engine:begin -->", "<!-- engine:end -->"
RECALL_BEGIN, RECALL_END = "<!-- recall:begin -->", "<!-- recall:end -->"
WEB_BEGIN, WEB_END = "<!-- web:begin -->", "<!-- web:end -->"  # printed by Benchmarks/web/web_bench.py
TARGET_NAMES = {"simulator_direct": "simulator directly (`/api/chat`)", "mami_openai": "Mami, OpenAI surface",
                "mami_native_sse": "Mami, native SSE", "engine_direct": "llama.cpp directly"}


def soak_section(path, command):
    r = json.load(open(path))
    samples = ", ".join(f"{mb:.1f}" for mb in r["resident_mb"])
    out = [SOAK_BEGIN, "## Memory soak: resident memory under a steady load", ""]
    out.append(f"Command: `{command}` — {datetime.date.today().isoformat()}, {os.cpu_count()} cores, release build.")
    out.append(f"{r['preload']:,} memories loaded, one warm-up minute, then {r['minutes']} minutes of add / duplicate add / two searches / delete "
               "rounds over 50 owners (the data set does not grow). Resident memory sampled once a minute (MB):")
    out.append("")
    out.append(samples)
    out.append("")
    out.append(f"Growth after warm-up: {r['growth_mb']:+.1f} MB (target ≤ 5 MB).")
    out.append(SOAK_END)
    return "\n".join(out) + "\n"


def stack_soak_section(path, command):
    r = json.load(open(path))
    ops = r["operations"]
    out = [STACK_SOAK_BEGIN, "## Whole-stack soak: resident memory under a mixed load", ""]
    out.append(f"Command: `{command}` — {datetime.date.today().isoformat()}, {os.cpu_count()} cores, release build "
               "(`Tools/mami-bench/StackSoak.swift`, against mami-sim).")
    out.append(f"{r['chatters']} chat clients (JSON and SSE in turn), one memory client (add, search, delete), one image client "
               f"(3-step 64² images, one in five cancelled), each pausing 50 ms between operations; one warm-up minute, then {r['minutes']} minutes. "
               f"Done: {ops['chats']:,} chats, {ops['memory']:,} memory rounds, {ops['images']:,} images, {ops['errors']} errors.")
    out.append("")
    out.append("Resident memory sampled once a minute (MB):")
    out.append("")
    out.append("| service | samples | growth after warm-up | target |")
    out.append("|---|---|---|---|")
    for service in ("memory", "image-worker", "gateway"):
        samples = ", ".join(f"{mb:.1f}" for mb in r["resident_mb"][service])
        out.append(f"| {service} | {samples} | {r['growth_mb'][service]:+.1f} MB | ≤ 5 MB |")
    out.append(STACK_SOAK_END)
    return "\n".join(out) + "\n"


def gateway_section(path, command):
    r = json.load(open(path))
    frozen, history = r["memory_frozen"], r["history"]
    out = [GATEWAY_BEGIN, "## Gateway: a frozen memory service, what recall adds, a million-message conversation, search, answers that outlive their client", ""]
    out.append(f"Command: `{command}` — {datetime.date.today().isoformat()}, {os.cpu_count()} cores, release build "
               "(`Tools/mami-bench/GatewayBench.swift`): mami-sim answering at once (`--token-ms 0`), memory, image worker and gateway as real processes. "
               "Streamed chats under load: the next section.")
    out.append("")
    out.append(f"Memory service frozen (SIGSTOP), default `MAMI_MEMORY_BUDGET_MS` 500: time to first token p50 {frozen['p50']:.0f} ms, "
               f"worst {frozen['max']:.0f} ms over {frozen['n']} chats (target ≤ 600 ms; G1).")
    out.append("")
    recall = r.get("recall")
    if recall:
        w, wo = recall["with"], recall["without"]
        out.append(f"Chat with memory and documents (a person with {recall['memories']} memories and {recall['documents']} documents asking about "
                   f"them; mami-sim answers at once): time to first token p50 {w['p50']:.0f} ms / p99 {w['p99']:.0f} ms, against "
                   f"{wo['p50']:.0f} ms / {wo['p99']:.0f} ms with recall skipped (`MAMI_MEMORY_BUDGET_MS=0`): "
                   f"**{recall['added_p50_ms']:.0f} ms added at p50** (the question embedded, memories and passages searched at once).")
        out.append("")
    page = history["page_ms"]
    out.append(f"One conversation of {history['messages']:,} messages: a page of 50 by cursor over HTTP, 200 random cursors after a warm pass: "
               f"p50 {page['p50']:.2f} ms, p99 {page['p99']:.2f} ms, worst {page['max']:.2f} ms (target p99 ≤ 5 ms; G8). "
               "The messages are written into gateway.db by the benchmark while the gateway is stopped.")
    search = r.get("search")
    if search:
        out.append("")
        out.append(f"Search (`GET /api/v1/search`) over one person's {search['messages']:,} messages in 1 000 conversations (4 to 20 words each, "
                   "drawn by Zipf's law from 30 000 pseudo-words; written while the gateway is stopped, indexed by its FTS5 triggers in "
                   f"{search['fill_seconds']:.0f} s), 200 queries each after 20 warm-up ones, of words of frequency rank 50 to 5 000, over HTTP "
                   "with a page of 20 and its snippets:")
        out.append("")
        out.append("| query | p50 | p99 | worst | hits per page | target |")
        out.append("|---|---|---|---|---|---|")
        for key, name in (("one_word", "one word, as typed (a prefix)"), ("two_words", "two words, as typed (both prefixes)"),
                          ("one_word_whole", "one word, quoted (whole word only)")):
            q = search[key]
            met = "met" if q["p99"] <= 20 else "not met"
            out.append(f"| {name} | {q['p50']:.1f} ms | {q['p99']:.1f} ms | {q['max']:.1f} ms | {q['mean_hits']:.1f} | p99 ≤ 20 ms: {met} |")
    persistence = r.get("persistence")
    if persistence:
        out.append("")
        out.append(f"Answers stored while they stream: {persistence['answers']} answers of {persistence['tokens_per_answer']} tokens (mami-sim at 1 ms "
                   f"a token): {persistence['flushes_per_answer']:.1f} flushes each (`mami_chat_flushes_total`; every 64 deltas or 250 ms) and "
                   f"the final write: **{persistence['writes_per_answer']:.1f} writes per answer** (target ≤ 1 + tokens/64 = "
                   f"{persistence['target_writes']:.1f}: {'met' if persistence['writes_per_answer'] <= persistence['target_writes'] else 'not met'}); "
                   "the answer's empty row goes in the person's message's write.")
    reattach = r.get("reattach_ms")
    if reattach:
        out.append("")
        out.append(f"Reattach: a client reads 5 deltas of a streaming answer (mami-sim at 5 ms a token) and leaves; `GET /api/v1/messages/{{id}}/stream` "
                   f"with its `Last-Event-ID`: first missed delta after p50 {reattach['p50']:.2f} ms, p99 {reattach['p99']:.2f} ms ({reattach['n']} reattaches).")
    out.append(GATEWAY_END)
    return "\n".join(out) + "\n"


def streams_section(path, command):
    r = json.load(open(path))
    out = [STREAMS_BEGIN, "## Gateway under load: streamed chats at 1, 32 and 256 clients", ""]
    out.append(f"Command: `{command}` — {datetime.date.today().isoformat()}, {os.cpu_count()} cores, release build "
               "(`Tools/mami-bench/StreamBench.swift`): mami-sim answering at once (`--token-ms 0`), memory, image worker and gateway "
               "as real processes. Each client holds one keep-alive connection (NIO, one event loop for all clients) and sends its next "
               f"streamed chat as soon as the last one ended; the three targets alternate, {r['rounds']} rounds of {r['seconds_per_cell']:g} s each "
               "per level. First token: until the first non-empty content (simulator, OpenAI chunks) or the first `delta` event (native). "
               "CPU per chat is the serving process's (`/proc/PID/stat`: the simulator for the direct row, the gateway for Mami's), "
               "and that of every process the chat runs through (the simulator; or the simulator, gateway, memory service and image worker); "
               "resident memory is its VmRSS at the end of a round.")
    out.append("")
    out.append("| clients | target | first token p50 / p99 | chats/s | failures | CPU per chat | all processes' CPU per chat | resident |")
    out.append("|---|---|---|---|---|---|---|---|")
    for c in r["cells"]:
        ft = c["first_token_ms"] or {"p50": 0, "p99": 0}
        out.append(f"| {c['streams']} | {TARGET_NAMES.get(c['target'], c['target'])} | {ft['p50']:.1f} / {ft['p99']:.1f} ms | "
                   f"{c['chats_per_s']:.0f} | {c['failures']} | {c['cpu_ms_per_chat']:.2f} ms | {c['stack_cpu_ms_per_chat']:.2f} ms | "
                   f"{c['resident_mb']:.0f} MB |")
    out.append("")
    out += streams_targets(r["cells"])
    out.append("")
    out.append("Peer, measured by the session that filed issue 11 (2026-11, same machine class, the same simulator, an aiohttp client): "
               "Open WebUI 0.12.4, one uvicorn worker, 32 concurrent streams: first token p50 357 ms / p99 1 206 ms, 77.7 chats/s, "
               "12.5 ms of server CPU per chat, 1.2 GB resident; it never wedged.")
    out.append(STREAMS_END)
    return "\n".join(out) + "\n"


def streams_targets(cells):
    """The issue's targets, read off the cells: met or not, with the figure."""
    by = {(c["target"], c["streams"]): c for c in cells}
    lines = []
    most = max(c["streams"] for c in cells)
    failures = sum(c["failures"] for c in cells if c["streams"] == most)
    lines.append(f"- Zero failures at {most} clients: {'met' if failures == 0 else 'not met'} ({failures}).")
    direct = by.get(("simulator_direct", 32))
    for target in ("mami_openai", "mami_native_sse"):
        cell = by.get((target, 32))
        if not direct or not cell or not direct["first_token_ms"] or not cell["first_token_ms"]:
            continue
        ratio = cell["first_token_ms"]["p50"] / direct["first_token_ms"]["p50"]
        lines.append(f"- {TARGET_NAMES[target]} at 32 clients: first token p50 {ratio:.1f} × the simulator's (target ≤ 2 ×: "
                     f"{'met' if ratio <= 2 else 'not met'}); gateway CPU {cell['cpu_ms_per_chat']:.2f} ms per chat (target ≤ 1.5 ms: "
                     f"{'met' if cell['cpu_ms_per_chat'] <= 1.5 else 'not met'}).")
    lines.append("- Why the ratio stays above 2 ×: every client sends its next chat at once, so at 32 clients both targets run the "
                 "machine's two cores flat out and the first token waits in line; its p50 follows chats per second, which follow "
                 "the CPU all processes spend per chat (the right-hand CPU column: the simulator's own share is the direct row's).")
    return lines


def engine_section(path, command):
    r = json.load(open(path))
    out = [ENGINE_BEGIN, "## A real engine through the gateway: llama.cpp's server directly and through Mami", ""]
    out.append(f"Command: `{command}` — {datetime.date.today().isoformat()}, {os.cpu_count()} cores, release build "
               f"(`Tools/mami-bench/EngineBench.swift`): llama.cpp's server from PyPI `xllamacpp` with {r['model']} "
               "(started as the command says), memory, image worker and gateway as real processes. "
               f"One question asking for a long story, answered in {r['max_tokens']} tokens, greedy; the three targets alternate, "
               f"{r['rounds']} rounds of {r['chats_per_stream']} chats per stream, after a warm-up that primes every slot's prompt cache. "
               "The direct call sends the prompt the gateway builds (its system prompt and the one remembered sentence): "
               "the engine's own counters (`/metrics`) give the prompt tokens per chat, and the answers are compared with the warm-up's. "
               "Each chat opens its own connection (llama.cpp closes it after a streamed answer). First token: the first non-empty "
               "content (OpenAI chunks) or `delta` event (native). Tokens per second, per stream: the answer's tokens over the time from "
               "sending to the read that carried its last token; after the first token: over the time between the two. "
               "After the last token: until the response ends (the gateway stores the answer and remembers the question first). "
               "CPU per chat (`/proc/PID/stat`): the engine's process, and Mami's three services together.")
    out.append("")
    out.append("| streams | target | first token p50 / p99 | tokens/s per stream p50 | after the first token p50 | after the last token p50 "
               "| prompt / answer tokens per chat | same answer | engine CPU per chat | Mami's CPU per chat | failures |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for c in r["cells"]:
        ft = c["first_token_ms"] or {"p50": 0, "p99": 0}
        out.append(f"| {c['streams']} | {TARGET_NAMES.get(c['target'], c['target'])} | {ft['p50']:.1f} / {ft['p99']:.1f} ms | "
                   f"{c['tokens_per_s']['p50']:.1f} | {c['decode_tokens_per_s']['p50']:.1f} | {c['after_last_token_ms']['p50']:.1f} ms | "
                   f"{c['prompt_tokens_per_chat']:.0f} / {c['answer_tokens_per_chat']:.0f} | {c['same_answer_as_warm_up']} of {c['chats']} | "
                   f"{c['engine_cpu_ms_per_chat']:.0f} ms | {c['mami_cpu_ms_per_chat']:.1f} ms | {c['failures']} |")
    out.append("")
    out += engine_targets(r["cells"])
    out.append(ENGINE_END)
    return "\n".join(out) + "\n"


def engine_targets(cells):
    """The issue's targets per level: the gateway adds at most 5 ms to the first token at p50, keeps 97 % of the tokens per second."""
    by = {(c["target"], c["streams"]): c for c in cells}
    lines = []
    for streams in sorted({c["streams"] for c in cells}):
        direct = by.get(("engine_direct", streams))
        for target in ("mami_openai", "mami_native_sse"):
            cell = by.get((target, streams))
            if not direct or not cell:
                continue
            added = cell["first_token_ms"]["p50"] - direct["first_token_ms"]["p50"]
            kept = cell["tokens_per_s"]["p50"] / direct["tokens_per_s"]["p50"] * 100
            lines.append(f"- {streams} stream{'s' if streams > 1 else ''}, {TARGET_NAMES[target]}: adds {added:.1f} ms to the first token "
                         f"at p50 (target ≤ 5 ms: {'met' if added <= 5 else 'not met'}); keeps {kept:.1f} % of the tokens per second "
                         f"(target ≥ 97 %: {'met' if kept >= 97 else 'not met'}).")
        for target in ("mami_openai", "mami_native_sse"):
            cell = by.get((target, streams))
            if direct and cell and cell["answer_tokens_per_chat"]:
                per_token = (cell["mami_cpu_ms_per_chat"] - direct["mami_cpu_ms_per_chat"]) / cell["answer_tokens_per_chat"] * 1000
                lines.append(f"- {streams} stream{'s' if streams > 1 else ''}, {TARGET_NAMES[target]}: Mami's three services spend "
                             f"{per_token:.0f} µs of CPU per answer token (their CPU per chat, less what they spend idle in the direct "
                             "row, over the answer's tokens: the chat's own few milliseconds are in it); on a CPU-only host "
                             "that time is taken from the engine.")
    return lines


def recall_section(command, paths):
    loaded = [json.load(open(p)) for p in paths]
    results = [r for r in loaded if r.get("mode") == "recall"]
    encoders = [r for r in loaded if r.get("mode") == "encoder"]
    out = [RECALL_BEGIN, "## Recall: the development set, per embedder", ""]
    out.append(f"Command: `{command}` — {datetime.date.today().isoformat()}, release build (`Tools/mami-bench/RecallBench.swift`, "
               "the set in `Benchmarks/recall/`): every fact stored for one owner through `memory.add`, every passage ingested as a "
               "document of its own through `doc.ingest`; each question searched (k = 10) in mami-memory with the embedder named. "
               "English and Turkish facts and passages, asked in both languages.")
    out.append("")
    out.append("| embedder | set | questions | recall@1 | recall@3 | MRR | missed the top 3 |")
    out.append("|---|---|---|---|---|---|---|")
    for r in results:
        for name in ("facts", "documents"):
            c = r[name]
            out.append(f"| {r['embedder']} | {name} | {c['questions']} | {c['recall_at_1']:.3f} | {c['recall_at_3']:.3f} | {c['mrr']:.3f} | "
                       f"{len(c['missed_top_3'])} |")
    out.append("")
    out.append("Target for the default embedder on a held-out bilingual set: recall@3 ≥ 0.95 and recall@1 ≥ 0.85.")
    out.append("")
    out.append("The relevance threshold (`relevant: true`, as chat asks: `memory.search` k = 5, `doc.search` k = 3; 0.15 for e5-small, "
               "0.05 for hashing), per embedder: how often the right fact or passage is still among the hits, and how often an "
               "unrelated question gets none (facts: the 20 unrelated questions of `facts.json`; documents: those and the 12 household "
               "questions of `documents.json` that no passage answers). Beside them, the scores a threshold falls between (k = 100, "
               "no threshold): the right answer's, and the best hit's of each unrelated question.")
    out.append("")
    out.append("| embedder | set | right answer recalled | unrelated question recalls nothing | right answer's score: min / p10 / median "
               "| unrelated question's best: median / p90 / max |")
    out.append("|---|---|---|---|---|---|")
    for r in results:
        for name in ("facts", "documents"):
            v = r.get("relevance", {}).get(name)
            if not v:
                continue
            right, best = v["right_score"], v["unrelated_best_score"]
            out.append(f"| {r['embedder']} | {name} | {v['right_recalled']}/{v['questions']} ({v['right_recalled'] / v['questions']:.2f}) | "
                       f"{v['unrelated_recalled_nothing']}/{v['unrelated']} ({v['unrelated_recalled_nothing'] / v['unrelated']:.2f}) | "
                       f"{right['min']:.3f} / {right['p10']:.3f} / {right['median']:.3f} | {best['median']:.3f} / {best['p90']:.3f} / {best['max']:.3f} |")
    fused = [r for r in results if r.get("fusion")]
    if fused:
        out.append("")
        out.append(f"BM25 beside the vectors (bench only; the service has no lexical index): the same facts and passages in an in-memory "
                   "SQLite FTS5 table (`unicode61 remove_diacritics 2`), each question's words OR-ed and ranked by `bm25()`; the "
                   f"vectors' ranking is the service's (k = 100); RRF fuses the two, Σ 1 / ({fused[0]['fusion']['rrf_k']} + rank), "
                   "whole or each one's top 10 only (as a service would fuse its candidates). Ranks counted within the top 10.")
        out.append("")
        out.append("| set | ranking | embedder | recall@1 | recall@3 | MRR |")
        out.append("|---|---|---|---|---|---|")
        row = lambda c: f"{c['recall_at_1']:.3f} | {c['recall_at_3']:.3f} | {c['mrr']:.3f} |"
        for name in ("facts", "documents"):
            out.append(f"| {name} | BM25 alone | (none) | {row(fused[0]['fusion'][name]['bm25'])}")
            for r in fused:
                out.append(f"| {name} | vectors alone | {r['embedder']} | {row(r['fusion'][name]['vectors'])}")
                out.append(f"| {name} | RRF, vectors + BM25 | {r['embedder']} | {row(r['fusion'][name]['rrf'])}")
                out.append(f"| {name} | RRF of each one's top 10 | {r['embedder']} | {row(r['fusion'][name]['rrf_top_10'])}")
        out.append("")
        changes = []
        for r in fused:
            parts = []
            for name in ("documents", "facts"):
                v, f = r["fusion"][name]["vectors"], r["fusion"][name]["rrf"]
                verdict = "helps" if f["mrr"] > v["mrr"] else "does not help" if f["mrr"] == v["mrr"] else "hurts"
                parts.append(f"{verdict} {name} (MRR {v['mrr']:.3f} → {f['mrr']:.3f}, recall@1 {v['recall_at_1']:.3f} → {f['recall_at_1']:.3f})")
            changes.append(f"with {r['embedder']} it " + " and ".join(parts))
        out.append("What fusion does against the vectors alone: " + "; ".join(changes) + ". Why, and what it means for the service: "
                   "docs/decisions.md, \"No BM25 fusion for now\".")
    for e in encoders:
        out.append("")
        out.append(f"The default embedder's encoder alone (`mami-bench encoder`, `Tools/mami-bench/EncoderBench.swift`): the model file "
                   f"read and parsed in {e['load_ms']:.0f} ms (the service also checks its SHA-256 on first use); one embedding at a "
                   f"time on one thread, {e['texts'][0]['embed_ms']['n']} per text:")
        out.append("")
        out.append("| text | words | tokens | p50 | p99 |")
        out.append("|---|---|---|---|---|")
        for t in e["texts"]:
            out.append(f"| {t['text']} | {t['words']} | {t['tokens']} | {t['embed_ms']['p50']:.1f} ms | {t['embed_ms']['p99']:.1f} ms |")
        out.append("")
        out.append("Targets: a 20-word sentence p50 ≤ 10 ms on 2 cores, model load ≤ 1 s.")
    out.append(RECALL_END)
    return "\n".join(out) + "\n"


def image_section(path, command):
    r = json.load(open(path))
    submit, cancel, job, bulk = r["submit_to_forge_ms"], r["cancel_to_interrupt_ms"], r["per_job"], r["thousand_cancels"]
    rows = [
        ("submit → txt2img received by Forge, idle worker", f"{submit['p50']:.1f} ms", f"{submit['p99']:.1f} ms", f"{submit['n']} jobs"),
        ("`image.cancel` of the running job → interrupt received by Forge", f"{cancel['interrupt']['p50']:.1f} ms",
         f"{cancel['interrupt']['p99']:.1f} ms", f"{cancel['interrupt']['n']} cancels"),
        ("`image.cancel` of the running job → answered, job recorded `cancelled`", f"{cancel['cancel_call']['p50']:.1f} ms",
         f"{cancel['cancel_call']['p99']:.1f} ms", "the call ends when the abandoned txt2img has unwound"),
    ]
    out = [IMAGE_BEGIN, "## Image worker against mami-sim", ""]
    out.append(f"Command: `{command}` — {datetime.date.today().isoformat()}, {os.cpu_count()} cores, release build "
               "(`Tools/mami-bench/ImageBench.swift`; times are the simulator's receive time minus the caller's send time, same host clock).")
    out.append("")
    out.append("| measure | p50 | p99 | over |")
    out.append("|---|---|---|---|")
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    out.append("")
    out.append(f"One job alone, 100 steps of 50 ms with progress polled every second ({job['seconds']:.1f} s, {job['status']}): "
               f"{job['database_writes']} database writes (submit, start, one per 10 progress points, end) and "
               f"{job['events']} `job.updated` events to a subscriber (I4).")
    out.append("")
    out.append(f"1 000 jobs submitted, then cancelled newest first, the running job too every 100 cancels "
               f"({bulk['cancel_seconds']:.1f} s of cancels): threads {bulk['threads_before']} → {bulk['threads_after']}, "
               f"open descriptors {bulk['descriptors_before']} → {bulk['descriptors_after']} (after warm-up; I8).")
    out.append(IMAGE_END)
    return "\n".join(out) + "\n"


def memory_section(path, command):
    r = json.load(open(path))
    rows = [
        ("insert (batched, `embedding_b64`, 100 per call, 4 calls in flight)", f"{r['insert_seconds']:.1f} s", "≤ 10 s", "111 s"),
        ("search p50, over the socket", f"{r['search_p50_us'] / 1000:.2f} ms", "≤ 0.5 ms", "68 ms"),
        ("search p99, over the socket", f"{r['search_p99_us'] / 1000:.2f} ms", "≤ 2 ms", "87 ms"),
        (f"recall@{r['k']}", f"{r['recall_at_k']:.2f}", "1.0", "0.98"),
        ("first query after a restart", f"{r['first_query_after_restart_us'] / 1000:.1f} ms", "≤ 500 ms", "—"),
        ("resident memory after the load", f"{r['resident_bytes'] / 1048576:.0f} MB", "≤ 300 MB", "—"),
        ("search by text (the query embedded by e5-small, then the same exact search), p50 / p99",
         f"{r['search_by_text_p50_us'] / 1000:.1f} ms / {r['search_by_text_p99_us'] / 1000:.1f} ms", "—", "—") if "search_by_text_p50_us" in r else None,
        ("resident memory with the sentence encoder loaded", f"{r['resident_bytes_with_encoder'] / 1048576:.0f} MB", "≤ 450 MB", "—")
        if "resident_bytes_with_encoder" in r else None,
    ]
    out = [MEMORY_BEGIN, "## Memory: owner-filtered exact search at 100 000 memories", ""]
    out.append(f"Command: `{command}` — {datetime.date.today().isoformat()}, {os.cpu_count()} cores, release build.")
    out.append(f"{r['count']:,} memories with random L2-normalized 384-d embeddings passed in by the client, {r['owners']} owners, "
               f"{r['queries']} queries with random owners timed one at a time after 20 warm-up queries (`Tools/mami-bench/MemoryBench.swift`).")
    out.append("")
    out.append("| measure | Mami | target | ChromaDB 1.5.9, same data |")
    out.append("|---|---|---|---|")
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in filter(None, rows)]
    out.append(MEMORY_END)
    return "\n".join(out) + "\n"



def section(path, command):
    rows = [json.loads(line) for line in open(path)]
    by = {}
    for row in rows:
        result = row["result"]
        key = (row["target"], result.get("mode", "latency" if "p50_us" in result else "throughput"), result.get("connections"))
        by[key] = result
    floor_lat = by[("floor", "latency", None)]
    mem_lat = by[("memory", "latency", None)]
    swift_lat = by.get(("memory-swift-client", "latency", None))
    out = [BEGIN, "## Wire: `sys.health` over a Unix socket", ""]
    out.append(f"Command: `{command}` — {datetime.date.today().isoformat()}, {os.cpu_count()} cores, release build.")
    out.append("Floor: `Benchmarks/floor/echo.c` (raw Unix socket, thread per connection) answering the same frames.")
    out.append("Same C load generator (`Benchmarks/floor/loadgen.c`) for the floor and for mami-memory; the last column is")
    out.append("`mami-bench`, a Swift caller using `RPCClient`.")
    out.append("")
    out.append("| round trip, one connection | floor | mami-memory | ratio (target ≤ 1.5) | Swift RPCClient → mami-memory |")
    out.append("|---|---|---|---|---|")
    for stat in ("p50_us", "p99_us"):
        swift = f"{swift_lat[stat]:.0f} µs" if swift_lat else "—"
        out.append(f"| {stat[:3]} | {floor_lat[stat]:.0f} µs | {mem_lat[stat]:.0f} µs | {mem_lat[stat] / floor_lat[stat]:.2f} | {swift} |")
    out.append("")
    out.append("| pipelined calls/s | floor | mami-memory | share of floor (target ≥ 25%) | Swift RPCClient → mami-memory |")
    out.append("|---|---|---|---|---|")
    for connections in (1, 8):
        floor = by[("floor", "throughput", connections)]["calls_per_s"]
        mem = by[("memory", "throughput", connections)]["calls_per_s"]
        swift = by.get(("memory-swift-client", "throughput", connections))
        swift_text = f"{swift['calls_per_s']:,.0f}" if swift else "—"
        window = by[("floor", "throughput", connections)]["window"]
        out.append(f"| {connections} connection(s), {window} in flight each | {floor:,.0f} | {mem:,.0f} | {100 * mem / floor:.0f}% | {swift_text} |")
    deadline = by.get(("memory-swift-client", "deadline", None))
    if deadline:
        out.append("")
        out.append(f"Deadline accuracy (target ±50 ms): {deadline['count']} calls with a {deadline['deadline_ms']} ms deadline to a socket that never answers "
                   f"failed {deadline['lateness_p50_ms']} ms late at the median, {deadline['lateness_max_ms']} ms at worst, never early (earliest {deadline['earliest_ms']} ms).")
    down = by.get(("memory-swift-client", "unavailable", None))
    if down:
        out.append(f"Peer down (target ≤ 10 ms): {down['count']} calls to a socket nobody listens on failed with `unavailable` in "
                   f"{down['p50_us'] / 1000:.2f} ms at the median, {down['max_us'] / 1000:.2f} ms at worst (first call included).")
    out.append(END)
    return "\n".join(out) + "\n"


def update(path, section_path):
    new = open(section_path).read().strip() + "\n"
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n\nFigures measured on this project's machine class; each section names the command that produced it.\n\n"
    begin, end = next(((b, e) for b, e in [(MEMORY_BEGIN, MEMORY_END), (SOAK_BEGIN, SOAK_END), (IMAGE_BEGIN, IMAGE_END), (GATEWAY_BEGIN, GATEWAY_END), (STACK_SOAK_BEGIN, STACK_SOAK_END), (STREAMS_BEGIN, STREAMS_END), (ENGINE_BEGIN, ENGINE_END), (RECALL_BEGIN, RECALL_END), (WEB_BEGIN, WEB_END)] if new.startswith(b)), (BEGIN, END))
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1]
        text = head + new.strip() + tail
    else:
        text = text.rstrip() + "\n\n" + new
    open(path, "w").write(text)


if __name__ == "__main__":
    if sys.argv[1] == "--update":
        update(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "--soak":
        print(soak_section(sys.argv[2], sys.argv[3]), end="")
    elif sys.argv[1] == "--stack-soak":
        print(stack_soak_section(sys.argv[2], sys.argv[3]), end="")
    elif sys.argv[1] == "--gateway":
        print(gateway_section(sys.argv[2], sys.argv[3]), end="")
    elif sys.argv[1] == "--streams":
        print(streams_section(sys.argv[2], sys.argv[3]), end="")
    elif sys.argv[1] == "--recall":
        print(recall_section(sys.argv[2], sys.argv[3:]), end="")
    elif sys.argv[1] == "--engine":
        print(engine_section(sys.argv[2], sys.argv[3]), end="")
    elif sys.argv[1] == "--image":
        print(image_section(sys.argv[2], sys.argv[3]), end="")
    elif sys.argv[1] == "--memory":
        print(memory_section(sys.argv[2], sys.argv[3]), end="")
    else:
        print(section(sys.argv[1], sys.argv[2]), end="")
