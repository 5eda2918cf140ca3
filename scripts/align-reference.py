#!/usr/bin/python3
"""Reference frames for shared/align, computed with pandas from the real files in ../shared/data.

Run from the repository root with Debian's python3-pandas (apt-get install -y python3-pandas):

    /usr/bin/python3 scripts/align-reference.py

It reads the files in place and writes shared/align/fixtures/*.json, which shared/align/pandas-reference.test.ts
compares to the TypeScript operators' frames exactly. Conventions (the same as shared/align/README.md):

- Zone-less times are local wall-clock times in America/Chicago (as the ingest tests read these files). A time in
  the spring-forward gap is moved forward by the gap (pandas `nonexistent=Timedelta(1h)`, the ingest rule); no file
  here has a time in a fall-back repeat, and `ambiguous='raise'` makes sure of it.
- Bins are left-closed and left-labelled, pandas' `resample` default for minute and day rules: the frame labelled
  10:05 holds 10:05:00 <= t < 10:10:00. Minute grids are aligned to local midnight (`origin='start_day'`), which in
  a whole-hour zone is the same as alignment to the UTC epoch; day grids are local calendar days (23 or 25 hours
  on DST days). A label is written as the UTC epoch milliseconds of the bin's start.
- Exact repeats of (time, value) within a patient's stream are dropped and counted (`duplicates`): the weight log
  holds two such rows. CGM readings within 60 s and 1 mg/dL of each other are duplicates too; the script checks
  that the Broll file has none, so pandas needs no tolerance rule.
- Every bin from the first sample's to the last sample's is present; an empty bin has count 0 and mean, min and
  max null (NaN in pandas), never a zero or a carried-forward value.
- Samples of a bin are summed in event-time order (ties by value), which is the order the TypeScript operators
  release them in; pandas' groupby mean uses Kahan summation, and so does shared/align.
"""
import datetime as dt
import json
import os

import pandas as pd

DATA = os.path.join('..', 'shared', 'data')
OUT = os.path.join('shared', 'align', 'fixtures')
ZONE = 'America/Chicago'
KG_PER_LB = 0.45359237


def to_utc(wall: pd.Series) -> pd.Series:
    """Zone-less local times to tz-aware local times, by the ingest rules."""
    return wall.dt.tz_localize(ZONE, nonexistent=pd.Timedelta(hours=1), ambiguous='raise')


def epoch_ms(index: pd.DatetimeIndex) -> list:
    return [int(v) // 1_000_000 for v in index.tz_convert('UTC').asi8]


def number(v) -> object:
    """A float as JSON: NaN (an empty bin) becomes null; Python's repr round-trips exactly in JavaScript."""
    if pd.isna(v):
        return None
    f = float(v)
    return int(f) if f.is_integer() else f


def frames(local_times: pd.Series, values: pd.Series, rule: str) -> dict:
    df = pd.DataFrame({'t': local_times.reset_index(drop=True), 'v': values.reset_index(drop=True)})
    df = df.sort_values(['t', 'v'], kind='mergesort')
    # A repeat of (time, value) is one reading delivered twice (shared/align's rule for every stream).
    kept = df.drop_duplicates(['t', 'v'])
    r = kept.set_index('t')['v'].resample(rule, closed='left', label='left', origin='start_day')
    mean, count, lo, hi = r.mean(), r.count(), r.min(), r.max()
    return {
        'duplicates': len(df) - len(kept),
        'startMs': epoch_ms(mean.index),
        'count': [int(c) for c in count],
        'mean': [number(v) for v in mean],
        'min': [number(v) for v in lo],
        'max': [number(v) for v in hi],
    }


def check_no_near_duplicates(local_times: pd.Series, values: pd.Series, within_s: float, value_tol: float) -> None:
    """shared/align drops a CGM reading within 60 s and 1 mg/dL of a kept one; on these files that must be a no-op."""
    df = pd.DataFrame({'t': local_times.reset_index(drop=True), 'v': values.reset_index(drop=True)}).sort_values(['t', 'v'], kind='mergesort')
    t = df['t'].tolist()
    v = df['v'].tolist()
    for i in range(1, len(t)):
        j = i - 1
        while j >= 0 and (t[i] - t[j]).total_seconds() <= within_s:
            if abs(v[i] - v[j]) <= value_tol:
                raise SystemExit(f'near-duplicate readings in the reference data at row {i}; the fixture would differ')
            j -= 1


def parse_weight_date(text: str) -> dt.datetime:
    for fmt in ('%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y %H:%M'):
        try:
            return dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            pass
    raise SystemExit(f'unexpected weight log date {text!r}')


def heart_rate() -> dict:
    path = 'fitbit/heartrate_seconds_one-user.csv'
    hr = pd.read_csv(os.path.join(DATA, path), dtype={'Id': str})
    local = to_utc(pd.to_datetime(hr['Time'], format='%m/%d/%Y %I:%M:%S %p'))
    series = []
    bpm = hr['Value'].astype(float)
    # Beats per second: the same readings as fractions, whose sums round, so the Kahan summation is exercised.
    for name, rule, step_ms, values in (('1-min means', '1min', 60_000, bpm), ('5-min means', '5min', 300_000, bpm),
                                        ('1-min means, beats per second', '1min', 60_000, bpm / 60)):
        series.append({'name': name, 'patient': hr['Id'].iloc[0], 'grid': {'stepMs': step_ms},
                       **frames(local, values, rule)})
    return {'file': path, 'stream': '8867-4', 'series': series}


def broll_cgm() -> dict:
    path = 'cgm/broll-5-subjects.csv'
    cgm = pd.read_csv(os.path.join(DATA, path))
    series = []
    for subject, g in cgm.groupby('id', sort=True):
        local = to_utc(pd.to_datetime(g['time'], format='%Y-%m-%d %H:%M:%S'))
        check_no_near_duplicates(local, g['gl'].astype(float), 60, 1)
        series.append({'name': '5-min grid', 'patient': subject, 'grid': {'stepMs': 300_000},
                       **frames(local, g['gl'].astype(float), '5min')})
    return {'file': path, 'stream': '99504-3', 'series': series}


def daily_weights() -> dict:
    path = 'fitbit/weightLogInfo_merged_excel-resaved.csv'
    w = pd.read_csv(os.path.join(DATA, path), dtype={'Id': str})
    # As the Fitbit importer: kilograms, or pounds converted where the kilogram cell is empty.
    kg = w['WeightKg'].where(w['WeightKg'].notna(), w['WeightPounds'] * KG_PER_LB)
    local = to_utc(pd.to_datetime(w['Date'].map(parse_weight_date)))
    series = []
    for user in sorted(w['Id'].unique()):
        rows = w['Id'] == user
        series.append({'name': 'daily frames (local days)', 'patient': user, 'grid': {'localDay': ZONE},
                       **frames(local[rows], kg[rows].astype(float), '1D')})
    return {'file': path, 'stream': '29463-7', 'series': series}


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    common = {'generatedBy': 'scripts/align-reference.py', 'pandas': pd.__version__, 'zone': ZONE,
              'bins': 'left-closed, left-labelled; label = UTC epoch ms of the bin start; empty bins null'}
    for name, build in (('fitbit-heart-rate', heart_rate), ('broll-cgm', broll_cgm), ('fitbit-weight', daily_weights)):
        with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
            json.dump({**common, **build()}, f, separators=(',', ':'))
            f.write('\n')


if __name__ == '__main__':
    main()
