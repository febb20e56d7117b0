"""A small, realistic training set written by hand over the bundled example specs (examples/weather-openai-tools.json,
examples/notes-mcp-tools.json; never BFCL's functions or questions), in the verify stage's JSONL shapes:
verified trajectories for SFT and RL prompts with reference calls for GRPO. Used to choose the trainer's
defaults by measurement (trainer/README.md, "Choosing the defaults").

    python -m inftool_trainer.example_set OUT_DIR   # writes trajectories.jsonl, rl_prompts.jsonl
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

CITIES = ["Lyon, France", "Osaka", "Toronto", "Nairobi", "Porto", "Kraków", "Austin, Texas", "Reykjavik", "Melbourne", "Seville",
          "Hanoi", "Edinburgh", "Montevideo", "Tbilisi", "Bergen", "Cusco"]
TITLES = [("Dentist", "Call Dr. Ruiz to move the check-up to Thursday."), ("Groceries", "Oat milk, lemons, basil, two onions."),
          ("Q3 review", "Draft slides for the Q3 budget review with Priya."), ("Gift ideas", "Mum: a linen scarf or the new Tana French book."),
          ("Bike repair", "Rear brake squeaks; book a service at Velo Works."), ("Reading list", "Finish 'The Overstory', then start 'Piranesi'.")]
QUERIES = ["budget", "dentist", "passport renewal", "birthday", "invoice 4471", "garden"]
TAGS = ["work", "home", "health", "travel", "ideas"]


def _tools(file: str) -> list[dict]:
    """The spec's tools as OpenAI-style function tools (an MCP tool's inputSchema becomes its parameters)."""
    doc = json.loads((REPO_ROOT / "examples" / file).read_text())
    out = []
    for t in doc["tools"]:
        fn = t.get("function") or {"name": t["name"], "description": t.get("description", ""), "parameters": t.get("inputSchema") or {"type": "object", "properties": {}}}
        out.append({"type": "function", "function": fn})
    return out


def _weather_items(rng: random.Random) -> list[tuple[str, str, dict, str]]:
    """(request, tool, arguments, tool result) over the weather tools."""
    items = []
    for city in CITIES:
        unit = rng.choice(["celsius", "fahrenheit"])
        days = rng.randint(2, 7)
        items += [
            (rng.choice([f"What's the weather like in {city} right now?", f"Is it cold in {city} at the moment?", f"Current conditions in {city}, please."]),
             "get_current_weather", {"city": city}, json.dumps({"temperature": rng.randint(-3, 31), "conditions": rng.choice(["sunny", "light rain", "overcast"])})),
            (f"Give me the temperature in {city} in {unit}.", "get_current_weather", {"city": city, "unit": unit},
             json.dumps({"temperature": rng.randint(-3, 88), "unit": unit})),
            (rng.choice([f"I'm going to {city} next week. What's the forecast for the next {days} days?", f"{days}-day forecast for {city}?"]),
             "get_forecast", {"city": city, "days": days}, json.dumps({"days": [{"high": rng.randint(5, 30), "low": rng.randint(-5, 15)} for _ in range(2)]})),
            (rng.choice([f"How's the air quality in {city} today?", f"Is the air in {city} safe for a run? Include the pollutant levels."]),
             "get_air_quality", {"city": city} if rng.random() < 0.5 else {"city": city, "include_pollutants": True}, json.dumps({"aqi": rng.randint(12, 160)})),
        ]
    return items


def _notes_items(rng: random.Random) -> list[tuple[str, str, dict, str]]:
    items = []
    for title, body in TITLES:
        tag = rng.choice(TAGS)
        items.append((f"Make a note titled \"{title}\": {body}", "create_note", {"title": title, "body": body}, json.dumps({"id": f"n-{rng.randint(100, 999)}"})))
        items.append((f"Save a {tag} note called \"{title}\" saying: {body}", "create_note", {"title": title, "body": body, "tags": [tag]}, json.dumps({"id": f"n-{rng.randint(100, 999)}"})))
    for q in QUERIES:
        items.append((rng.choice([f"Find my notes about {q}.", f"Search my notes for \"{q}\"."]), "search_notes", {"query": q}, json.dumps({"notes": []})))
    for _ in range(4):
        nid = f"n-{rng.randint(100, 999)}"
        items.append((f"Show me note {nid}.", "get_note", {"note_id": nid}, json.dumps({"id": nid, "title": "Groceries"})))
        items.append((f"Delete note {nid}, I don't need it anymore.", "delete_note", {"note_id": nid}, json.dumps({"deleted": True})))
        items.append((f"Pin note {nid} to the top.", "update_note", {"note_id": nid, "pinned": True}, json.dumps({"id": nid, "pinned": True})))
    return items


IRRELEVANT = ["Tell me a joke about penguins.", "What's the capital of Australia?", "Translate 'good morning' into Spanish.",
              "Write a two-line poem about autumn.", "How many minutes are in a day?", "Recommend a good sci-fi novel."]


def build(out_dir: str | Path, seed: int = 0) -> dict[str, str]:
    rng = random.Random(seed)
    weather, notes = _tools("weather-openai-tools.json"), _tools("notes-mcp-tools.json")
    sets = [("weather", weather, _weather_items(rng)), ("notes", notes, _notes_items(rng))]
    trajectories, prompts = [], []
    for set_id, tools, items in sets:
        rng.shuffle(items)
        cut = len(items) * 2 // 3
        for k, (request, name, args, result) in enumerate(items[:cut]):
            call = {"id": "call_0", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
            trajectories.append({"id": f"{set_id}-t{k}", "tools": tools, "accepted": True, "messages": [
                {"role": "user", "content": request},
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "call_0", "content": result},
                {"role": "assistant", "content": f"Done: {result}"},
            ]})
        for k, (request, name, args, _) in enumerate(items[cut:]):
            prompts.append({"id": f"{set_id}-p{k}", "category": "simple" if len(tools) == 1 else "multiple", "toolSetId": set_id, "split": "train",
                            "tools": tools, "messages": [{"role": "user", "content": request}],
                            "reference": [{name: {key: [value] for key, value in args.items()}}]})
        for k, request in enumerate(IRRELEVANT[:3] if set_id == "weather" else IRRELEVANT[3:]):
            trajectories.append({"id": f"{set_id}-i{k}", "tools": tools, "accepted": True, "messages": [
                {"role": "user", "content": request}, {"role": "assistant", "content": "I can only help with " + set_id + " here."}]})
            prompts.append({"id": f"{set_id}-ip{k}", "category": "irrelevance", "toolSetId": set_id, "split": "train", "tools": tools,
                            "messages": [{"role": "user", "content": IRRELEVANT[(k + 3) % 6] if set_id == "weather" else IRRELEVANT[k]}], "reference": []})
    rng.shuffle(trajectories)
    rng.shuffle(prompts)  # tool sets and categories interleaved, so any first-N slice is a mix
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tr, rl = out / "trajectories.jsonl", out / "rl_prompts.jsonl"
    tr.write_text("".join(json.dumps(t) + "\n" for t in trajectories))
    rl.write_text("".join(json.dumps(p) + "\n" for p in prompts))
    return {"trajectoriesPath": str(tr), "rlPromptsPath": str(rl)}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m inftool_trainer.example_set OUT_DIR")
    print(json.dumps(build(sys.argv[1])))
