#!/usr/bin/env python3
"""outline.py — the report map's country outlines.

  outline.py make COUNTRIES_50M_JSON > countries.txt
      reads world-atlas's countries-50m.json (TopoJSON of Natural Earth's
      1:50m admin-0 countries), simplifies every ring (Douglas-Peucker,
      0.05 degree), drops rings smaller than 0.01 square degree, rounds to
      0.01 degree and writes the text file this folder ships.
  outline.py c countries.txt > countries_data.c
      turns that file into C arrays (the build runs this).

countries.txt: '#' comments; 'C ID NAME' starts a country (ISO 3166-1
numeric id, English name); 'R X Y X Y ...' is one of its rings, in
hundredths of a degree (longitude, latitude), first point not repeated.
"""
import json
import sys

TOLERANCE = 0.05
MIN_AREA = 0.01

# Chinese names of the areas a Chinese brand's report names most often.
ZH = {
    '156': '中国', '158': '中国台湾', '344': '中国香港', '446': '中国澳门',
    '392': '日本', '410': '韩国', '408': '朝鲜', '496': '蒙古',
    '643': '俄罗斯', '356': '印度', '702': '新加坡', '458': '马来西亚',
    '764': '泰国', '704': '越南', '608': '菲律宾', '360': '印度尼西亚',
    '104': '缅甸', '418': '老挝', '116': '柬埔寨', '524': '尼泊尔',
    '050': '孟加拉国', '586': '巴基斯坦', '398': '哈萨克斯坦',
    '417': '吉尔吉斯斯坦', '762': '塔吉克斯坦', '004': '阿富汗',
    '064': '不丹', '036': '澳大利亚', '554': '新西兰', '840': '美国',
    '124': '加拿大', '484': '墨西哥', '076': '巴西', '032': '阿根廷',
    '826': '英国', '250': '法国', '276': '德国', '380': '意大利',
    '724': '西班牙', '528': '荷兰', '756': '瑞士', '752': '瑞典',
    '784': '阿联酋', '682': '沙特阿拉伯', '792': '土耳其', '818': '埃及',
    '710': '南非', '566': '尼日利亚', '364': '伊朗', '368': '伊拉克',
    '376': '以色列', '860': '乌兹别克斯坦', '144': '斯里兰卡',
}


def decode_arcs(topo):
    """The arcs of a quantized topology in degrees."""
    sx, sy = topo['transform']['scale']
    tx, ty = topo['transform']['translate']
    out = []
    for arc in topo['arcs']:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        out.append(pts)
    return out


def ring_points(arcs, idx):
    """A ring from its arc indexes (negative: reversed, ~i)."""
    pts = []
    for i in idx:
        a = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        pts.extend(a if not pts else a[1:])
    return pts


def simplify(pts, tol):
    """Douglas-Peucker on an open polyline."""
    if len(pts) < 3:
        return pts
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        a, b = stack.pop()
        (x1, y1), (x2, y2) = pts[a], pts[b]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        best, where = -1.0, -1
        for i in range(a + 1, b):
            x, y = pts[i]
            if norm == 0:
                d = ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
            else:
                d = abs(dy * x - dx * y + x2 * y1 - y2 * x1) / norm
            if d > best:
                best, where = d, i
        if best > tol:
            keep[where] = True
            stack.append((a, where))
            stack.append((where, b))
    return [p for p, k in zip(pts, keep) if k]


def area(pts):
    """The absolute shoelace area in square degrees."""
    s = 0.0
    for i in range(len(pts)):
        x1, y1 = pts[i]
        x2, y2 = pts[(i + 1) % len(pts)]
        s += x1 * y2 - x2 * y1
    return abs(s) / 2


def make(path):
    """Writes countries.txt from world-atlas's countries-50m.json."""
    topo = json.load(open(path, encoding='utf-8'))
    arcs = decode_arcs(topo)
    print('# Country outlines for the report map: Natural Earth 1:50m '
          'Admin 0 - Countries')
    print('# (public domain, naturalearthdata.com), as TopoJSON in the '
          'npm package world-atlas 2.0.2')
    print('# (ISC licence), simplified by outline.py (0.05 degree). '
          'Units: 0.01 degree.')
    for g in topo['objects']['countries']['geometries']:
        if g.get('type') is None or 'id' not in g:
            continue
        polys = g['arcs'] if g['type'] == 'MultiPolygon' else [g['arcs']]
        rings = []
        for poly in polys:
            for ridx in poly:
                pts = ring_points(arcs, ridx)
                if pts and pts[0] == pts[-1]:
                    pts = pts[:-1]
                if area(pts) < MIN_AREA and rings:
                    continue
                s = simplify(pts + [pts[0]], TOLERANCE)[:-1]
                q = []
                for x, y in s:
                    p = (round(x * 100), round(y * 100))
                    if not q or q[-1] != p:
                        q.append(p)
                if len(q) >= 3:
                    rings.append(q)
        if not rings:
            continue
        name = g['properties']['name']
        print('C %s %s' % (g['id'], name))
        for r in rings:
            print('R ' + ' '.join('%d %d' % p for p in r))


def cstr(s):
    """A C string literal of UTF-8 text."""
    return '"' + ''.join(
        c if 32 <= ord(c) < 127 and c not in '"\\?' else
        ''.join('\\%03o' % b for b in c.encode('utf-8')) for c in s) + '"'


def to_c(path):
    """Writes the C arrays of countries.txt (analytics/geo.h)."""
    countries, rings, pts = [], [], []
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if line.startswith('C '):
            _, cid, name = line.split(' ', 2)
            countries.append([cid, name, len(rings), 0])
        elif line.startswith('R '):
            v = [int(x) for x in line[2:].split()]
            rings.append((len(pts) // 2, len(v) // 2))
            pts.extend(v)
            countries[-1][3] += 1
    print('/* Generated by analytics/data/outline.py from countries.txt: '
          'do not edit. */')
    print('#include "analytics/geo.h"\n')
    print('const int16_t geo_points[] = {')
    for i in range(0, len(pts), 16):
        print('\t' + ', '.join(str(p) for p in pts[i:i + 16]) + ',')
    print('};\n')
    print('const struct geo_ring geo_rings[] = {')
    for first, n in rings:
        print('\t{ %d, %d },' % (first, n))
    print('};\n')
    print('const struct geo_country geo_countries[] = {')
    for cid, name, first, n in countries:
        zh = ZH.get(cid)
        print('\t{ %d, %s, %s, %d, %d },' % (
            int(cid), cstr(name), cstr(zh) if zh else 'NULL', first, n))
    print('};\n')
    print('const size_t geo_ncountries = %d;' % len(countries))


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'make':
        make(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == 'c':
        to_c(sys.argv[2])
    else:
        sys.exit(__doc__)
