#!/usr/bin/env python3
"""Peer of `lantian import fires` for bench/compare_fire.sh: the same attribution with shapely 2
(GEOS, STRtree), in one process, nothing stored.

Reads FIRMS CSV files (plain or .gz), keeps one detection per (instrument, satellite, lat, lon
to 1e-4, minute) as lantian does, converts the district and town GeoJSON from GCJ-02 to WGS-84
(the standard published formula, as lantian_core::geo), and attributes every point: inside a
district region (then to a town polygon), else near the border when a region's boundary is
within NEAR_KM on the local equirectangular plane (110.574 km per degree of latitude, 111.320
× cos(lat) per degree of longitude), else elsewhere. Prints the counts in lantian's words.

    fire_shapely.py DISTRICT.geojson TOWNS.geojson NEAR_KM FILE...
"""
import csv
import gzip
import io
import json
import math
import sys
from datetime import datetime, timezone

import numpy as np
import shapely
from shapely import STRtree

A = 6378245.0
EE = 0.00669342162296594323


def _tlat(x, y):
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _tlon(x, y):
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def gcj_to_wgs(lon, lat):
    dlat = _tlat(lon - 105.0, lat - 35.0)
    dlon = _tlon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - EE * math.sin(rad) ** 2
    sq = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sq) * math.pi)
    dlon = (dlon * 180.0) / (A / sq * math.cos(rad) * math.pi)
    return lon - dlon, lat - dlat


def regions(path):
    doc = json.load(open(path, encoding="utf-8"))
    feats = doc["features"] if isinstance(doc, dict) else doc
    out = []
    for f in feats:
        g = f["geometry"]
        if g["type"] not in ("Polygon", "MultiPolygon"):
            continue
        geom = shapely.geometry.shape(g)
        geom = shapely.transform(geom, lambda xy: np.array([gcj_to_wgs(x, y) for x, y in xy]))
        out.append((f["properties"].get("name", ""), geom))
    return out


def rows(path):
    raw = open(path, "rb").read()
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    yield from csv.DictReader(io.StringIO(raw.decode("utf-8")))


def main():
    district, towns, near_km, files = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4:]
    d_regions = regions(district)
    t_regions = regions(towns)
    d_tree = STRtree([g for _, g in d_regions])
    t_tree = STRtree([g for _, g in t_regions])
    for _, g in d_regions + t_regions:
        shapely.prepare(g)
    seen = set()
    read = inside = near = elsewhere = in_town = 0
    for path in files:
        for r in rows(path):
            lat, lon = float(r["latitude"]), float(r["longitude"])
            t = r["acq_time"].replace(":", "").zfill(4)
            at = datetime.strptime(r["acq_date"] + t, "%Y-%m-%d%H%M").replace(tzinfo=timezone.utc)
            conf = r.get("confidence", "")
            inst = r.get("instrument") or ("VIIRS" if "bright_ti4" in r or conf in ("l", "n", "h") else "MODIS")
            key = (inst.upper(), r.get("satellite", ""), f"{lat:.4f}", f"{lon:.4f}", int(at.timestamp()) // 60)
            if key in seen:
                continue
            seen.add(key)
            read += 1
            p = shapely.Point(lon, lat)
            hits = d_tree.query(p, predicate="intersects")
            if len(hits):
                inside += 1
                if len(t_tree.query(p, predicate="intersects")):
                    in_town += 1
                continue
            if near_km <= 0:
                elsewhere += 1
                continue
            kx = 111.320 * max(math.cos(math.radians(lat)), 0.01)
            ky = 110.574
            window = shapely.box(lon - near_km / kx, lat - near_km / ky, lon + near_km / kx, lat + near_km / ky)
            best = None
            for i in d_tree.query(window):
                g = d_regions[i][1]
                local = shapely.transform(g, lambda xy: (xy - [lon, lat]) * [kx, ky])
                dist = shapely.distance(local.boundary, shapely.Point(0, 0))
                best = dist if best is None else min(best, dist)
            if best is not None and best <= near_km:
                near += 1
            else:
                elsewhere += 1
    print(f"{read} detections: {inside} inside the district, {near} near its border, {elsewhere} elsewhere (not kept); {in_town} in a town")


if __name__ == "__main__":
    main()
