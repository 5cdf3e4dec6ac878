/**
 * The demo retailer's people, generated the same way every time (a seeded PRNG), so that the
 * RetailCRM and BonusPlus emulators agree on who is who: online customers exist in both, showroom
 * customers only in BonusPlus.
 */
export interface DemoPerson {
  readonly index: number;
  readonly firstName: string;
  readonly lastName: string;
  readonly patronymic: string;
  readonly sex: 'male' | 'female';
  /** 11 digits, `7XXXXXXXXXX`, unique per index. */
  readonly phoneDigits: string;
  readonly email: string;
  readonly birthday: string;
  readonly city: string;
  /** Days before the demo's "today" when the person became a customer. */
  readonly daysAgo: number;
}

const MALE_FIRST = ['Александр', 'Дмитрий', 'Максим', 'Сергей', 'Андрей', 'Алексей', 'Артём', 'Илья', 'Кирилл', 'Михаил', 'Никита', 'Матвей', 'Роман', 'Егор', 'Иван'];
const FEMALE_FIRST = ['Анастасия', 'Мария', 'Анна', 'Виктория', 'Екатерина', 'Наталья', 'Марина', 'Полина', 'Дарья', 'Алина', 'Ксения', 'Елена', 'Ольга', 'Софья', 'Татьяна'];
const LAST = ['Иванов', 'Смирнов', 'Кузнецов', 'Попов', 'Васильев', 'Петров', 'Соколов', 'Михайлов', 'Новиков', 'Фёдоров', 'Морозов', 'Волков', 'Алексеев', 'Лебедев', 'Семёнов', 'Егоров', 'Павлов', 'Козлов', 'Степанов', 'Николаев'];
const PATRONYMIC_ROOTS = ['Александров', 'Дмитриев', 'Сергеев', 'Андреев', 'Алексеев', 'Михайлов', 'Иванов', 'Петров', 'Николаев', 'Викторов'];
const CITIES = ['Москва', 'Москва', 'Москва', 'Санкт-Петербург', 'Санкт-Петербург', 'Казань', 'Екатеринбург', 'Новосибирск'];
const TRANSLIT: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'h', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'sch', ы: 'y', ь: '', ъ: '', э: 'e', ю: 'yu', я: 'ya',
};

/** mulberry32: small, fast, good enough for demo data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const translit = (text: string) => [...text.toLowerCase()].map((c) => TRANSLIT[c] ?? c).join('');

export function demoPerson(index: number): DemoPerson {
  const random = seededRandom(0x5eed + index * 7919);
  const sex = random() < 0.62 ? 'female' : 'male';
  const firstName = pick(random, sex === 'female' ? FEMALE_FIRST : MALE_FIRST);
  const lastRoot = pick(random, LAST);
  const lastName = sex === 'female' ? `${lastRoot}а` : lastRoot;
  const patronymicRoot = pick(random, PATRONYMIC_ROOTS);
  const patronymic = sex === 'female' ? `${patronymicRoot}на` : `${patronymicRoot}ич`;
  // 7 916 ... : the index keeps phones unique (to 20 million people), the prefix keeps them plausible.
  const phoneDigits = `79${String(160_000_000 + index * 37)}`;
  const year = 1965 + Math.floor(random() * 40);
  const month = 1 + Math.floor(random() * 12);
  const day = 1 + Math.floor(random() * 28);
  return {
    index,
    firstName,
    lastName,
    patronymic,
    sex,
    phoneDigits,
    email: `${translit(firstName)}.${translit(lastName)}${index}@example.ru`,
    birthday: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    city: pick(random, CITIES),
    daysAgo: 1 + Math.floor(random() * 900),
  };
}

/** People [from, from + count). Online customers start at 0; showroom-only customers follow them. */
export function demoPeople(from: number, count: number): DemoPerson[] {
  return Array.from({ length: count }, (_v, i) => demoPerson(from + i));
}
