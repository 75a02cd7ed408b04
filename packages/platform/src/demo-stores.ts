/**
 * The demo brand's stores and warehouses: a realistic shape (a couple of
 * hundred stores in eight cities, a few warehouses) made by a pure function,
 * so every demo has the same stores in the same places.
 */

type Hours = Partial<Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', { open: string; close: string }>>;

export interface DemoStore {
  code: string;
  name: string;
  type: 'store' | 'warehouse';
  city: string;
  lat: number;
  lng: number;
  hours: Hours;
  /** POS terminal codes (T1, T2, ...); warehouses sell nothing and have none. */
  terminals: string[];
  staff: { name: string; role: 'clerk' | 'store_manager' }[];
}

interface City {
  /** Used in codes: ST_SH_001, WH_SH. */
  code: string;
  name: string;
  /** Where stores cluster: the commercial centre, nudged inland where the centre is on a coast or border. */
  lat: number;
  lng: number;
  stores: number;
  radiusKm: number;
  /** Bearing (degrees from north) of the city's warehouse, if it has one, towards its logistics belt. */
  warehouseBearing?: number;
}

const CITIES: City[] = [
  { code: 'SH', name: 'Shanghai', lat: 31.2304, lng: 121.4737, stores: 45, radiusKm: 20, warehouseBearing: 280 },
  { code: 'BJ', name: 'Beijing', lat: 39.9042, lng: 116.4074, stores: 40, radiusKm: 20, warehouseBearing: 160 },
  { code: 'GZ', name: 'Guangzhou', lat: 23.1291, lng: 113.2644, stores: 30, radiusKm: 18, warehouseBearing: 20 },
  { code: 'SZ', name: 'Shenzhen', lat: 22.6, lng: 114.03, stores: 30, radiusKm: 10 },
  { code: 'HZ', name: 'Hangzhou', lat: 30.2741, lng: 120.1551, stores: 20, radiusKm: 12 },
  { code: 'CD', name: 'Chengdu', lat: 30.5728, lng: 104.0668, stores: 20, radiusKm: 15, warehouseBearing: 200 },
  { code: 'NJ', name: 'Nanjing', lat: 32.0603, lng: 118.7969, stores: 12, radiusKm: 12 },
  { code: 'CQ', name: 'Chongqing', lat: 29.563, lng: 106.5516, stores: 12, radiusKm: 12 },
];

const WAREHOUSE_DISTANCE_KM = 30;
const KM_PER_DEGREE_LAT = 110.574;
const KM_PER_DEGREE_LNG_AT_EQUATOR = 111.32;
/** Successive points of a Vogel spiral turn by this much: they fill a disc evenly, with no clumps and no grid. */
const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

/** The point `km` from `from` on `bearing` (radians from north), on a flat map: fine within a city. */
function offset(from: { lat: number; lng: number }, km: number, bearing: number) {
  const round = (degrees: number) => Math.round(degrees * 1e6) / 1e6;
  return {
    lat: round(from.lat + (km * Math.cos(bearing)) / KM_PER_DEGREE_LAT),
    lng: round(from.lng + (km * Math.sin(bearing)) / (KM_PER_DEGREE_LNG_AT_EQUATOR * Math.cos((from.lat * Math.PI) / 180))),
  };
}

const DAILY = (open: string, close: string): Hours => ({
  mon: { open, close },
  tue: { open, close },
  wed: { open, close },
  thu: { open, close },
  fri: { open, close },
  sat: { open, close },
  sun: { open, close },
});

/** Mall stores, mall stores open late at weekends, and street shops. */
function storeHours(i: number): Hours {
  if (i % 7 === 3) return DAILY('09:00', '21:00');
  if (i % 4 === 1) return { ...DAILY('10:00', '22:00'), fri: { open: '10:00', close: '22:30' }, sat: { open: '10:00', close: '22:30' }, sun: { open: '10:00', close: '22:30' } };
  return DAILY('10:00', '22:00');
}

const SURNAMES = ['Wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Yang', 'Huang', 'Zhao', 'Wu', 'Zhou', 'Xu', 'Sun', 'Ma', 'Zhu', 'Hu', 'Guo', 'He', 'Lin', 'Gao', 'Luo'];
// 19 given names against 20 surnames: the pairs only repeat after 380 people.
const GIVEN_NAMES = ['Wei', 'Fang', 'Min', 'Jing', 'Lei', 'Jun', 'Yan', 'Yong', 'Jie', 'Tao', 'Ming', 'Xia', 'Hui', 'Ping', 'Gang', 'Ling', 'Hao', 'Yu', 'Qiang'];
const person = (n: number) => `${SURNAMES[n % SURNAMES.length]} ${GIVEN_NAMES[n % GIVEN_NAMES.length]}`;

/** A manager and two clerks; `n` numbers the store so that names differ between stores. */
const crew = (n: number): DemoStore['staff'] => [
  { name: person(3 * n), role: 'store_manager' },
  { name: person(3 * n + 1), role: 'clerk' },
  { name: person(3 * n + 2), role: 'clerk' },
];

export function demoStores(): DemoStore[] {
  const out: DemoStore[] = [];
  for (const city of CITIES) {
    for (let i = 0; i < city.stores; i++) {
      // Store 001 sits at the centre (the flagship); the rest spiral outwards.
      const at = offset(city, city.radiusKm * Math.sqrt(i / city.stores), i * GOLDEN_ANGLE);
      out.push({
        code: `ST_${city.code}_${String(i + 1).padStart(3, '0')}`,
        name: `${city.name} Store ${String(i + 1).padStart(3, '0')}`,
        type: 'store',
        city: city.name,
        ...at,
        hours: storeHours(i),
        terminals: Array.from({ length: 1 + ((i + 2) % 3) }, (_, t) => `T${t + 1}`),
        staff: crew(out.length),
      });
    }
    if (city.warehouseBearing !== undefined) {
      out.push({
        code: `WH_${city.code}`,
        name: `${city.name} Distribution Centre`,
        type: 'warehouse',
        city: city.name,
        ...offset(city, WAREHOUSE_DISTANCE_KM, (city.warehouseBearing * Math.PI) / 180),
        hours: DAILY('06:00', '24:00'),
        terminals: [],
        staff: crew(out.length),
      });
    }
  }
  return out;
}
