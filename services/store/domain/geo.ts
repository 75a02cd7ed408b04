/** A place on Earth in decimal degrees (WGS 84). */
export interface Point {
  lat: number;
  lng: number;
}

/** The mean Earth radius; the haversine formula treats the Earth as this sphere (error under 0.5%). */
const EARTH_RADIUS_KM = 6371.0088;
const RAD = Math.PI / 180;

/** Great-circle distance (haversine): what "nearest store" means for routing, not the road distance. */
export function distanceKm(a: Point, b: Point): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLng = (b.lng - a.lng) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLng / 2) ** 2;
  // min(1, ...): rounding can push h a hair past 1 for antipodal points, and asin(>1) is NaN.
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The `n` places nearest to `from`, nearest first, each with its distance.
 * Equally distant places come in code order, so the answer never depends on
 * the order they were loaded in.
 */
export function nearest<T extends Point & { code: string }>(places: readonly T[], from: Point, n: number): (T & { distanceKm: number })[] {
  return places
    .map((place) => ({ ...place, distanceKm: distanceKm(from, place) }))
    .sort((a, b) => a.distanceKm - b.distanceKm || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
    .slice(0, Math.max(0, n));
}
