import type { DirectoryEntryInput } from '../src/directory/entries/entry-schema.js';

/**
 * A plausible directory for the whole region, the same every run for the same seed: common
 * Swedish names (family names about as skewed as Sweden's, Andersson most common), the
 * departments and functions callers ask for, their keywords, extensions and numbers that are
 * unique across the region and valid in the Swedish numbering plan.
 */

interface Member {
  id: string;
  name: string;
  /** Share of the region's entries. */
  weight: number;
  /** E.164 start of the municipality's direct-dial series; four more digits make a number. */
  didPrefix: string;
}

export const MEMBERS: readonly Member[] = [
  { id: '2480', name: 'Umeå', weight: 40, didPrefix: '+469016' },
  { id: '2284', name: 'Örnsköldsvik', weight: 22, didPrefix: '+4666088' },
  { id: '2460', name: 'Vännäs', weight: 8, didPrefix: '+4693514' },
  { id: '2401', name: 'Nordmaling', weight: 8, didPrefix: '+4693014' },
  { id: '2409', name: 'Robertsfors', weight: 8, didPrefix: '+4693414' },
  { id: '2404', name: 'Vindeln', weight: 7, didPrefix: '+4693314' },
  { id: '2403', name: 'Bjurholm', weight: 7, didPrefix: '+4693214' },
];

const FEMALE = [
  'Anna',
  'Eva',
  'Maria',
  'Karin',
  'Kristina',
  'Lena',
  'Sara',
  'Emma',
  'Kerstin',
  'Ingrid',
  'Marie',
  'Malin',
  'Jenny',
  'Hanna',
  'Linda',
  'Annika',
  'Susanne',
  'Elin',
  'Monica',
  'Birgitta',
  'Åsa',
  'Ulla',
  'Sofia',
  'Helena',
  'Johanna',
  'Camilla',
  'Ida',
  'Elisabeth',
  'Cecilia',
  'Frida',
  'Lisa',
  'Märta',
  'Ebba',
  'Agneta',
  'Gunilla',
  'Anna-Karin',
  'Maja',
  'Ellinor',
  'Louise',
  'Therese',
  'Åse',
  'Britt',
  'Siv',
  'Ylva',
  'Tove',
  'Wilma',
  'Alva',
];
const MALE = [
  'Lars',
  'Anders',
  'Johan',
  'Per',
  'Erik',
  'Karl',
  'Mikael',
  'Peter',
  'Jan',
  'Thomas',
  'Daniel',
  'Fredrik',
  'Hans',
  'Stefan',
  'Mattias',
  'Magnus',
  'Andreas',
  'Jonas',
  'Björn',
  'Mats',
  'Bengt',
  'Nils',
  'Sven',
  'Göran',
  'Åke',
  'Örjan',
  'Östen',
  'Håkan',
  'Jörgen',
  'Bo',
  'Gustav',
  'Oskar',
  'Olof',
  'Ulf',
  'Leif',
  'Kjell',
  'Roger',
  'Tomas',
  'Patrik',
  'Niklas',
  'Henrik',
  'Joakim',
  'Viktor',
  'Emil',
  'Anton',
  'Linus',
  'Pär',
  'Sören',
];
/** Most common first: the generator makes earlier names more frequent. */
const FAMILY = [
  'Andersson',
  'Johansson',
  'Karlsson',
  'Nilsson',
  'Eriksson',
  'Larsson',
  'Olsson',
  'Persson',
  'Svensson',
  'Gustafsson',
  'Pettersson',
  'Jonsson',
  'Jansson',
  'Hansson',
  'Bengtsson',
  'Jönsson',
  'Lindberg',
  'Jakobsson',
  'Magnusson',
  'Olofsson',
  'Lindström',
  'Lindqvist',
  'Lindgren',
  'Axelsson',
  'Berg',
  'Bergström',
  'Lundberg',
  'Lind',
  'Lundgren',
  'Lundqvist',
  'Mattsson',
  'Berglund',
  'Fredriksson',
  'Sandberg',
  'Henriksson',
  'Forsberg',
  'Sjöberg',
  'Wallin',
  'Engström',
  'Eklund',
  'Danielsson',
  'Lundin',
  'Håkansson',
  'Björk',
  'Bergman',
  'Gunnarsson',
  'Holm',
  'Wikström',
  'Samuelsson',
  'Isaksson',
  'Fransson',
  'Bergqvist',
  'Nyström',
  'Holmberg',
  'Arvidsson',
  'Löfgren',
  'Söderberg',
  'Nyberg',
  'Blomqvist',
  'Claesson',
  'Nordström',
  'Mårtensson',
  'Lundström',
  'Viklund',
  'Björklund',
  'Eliasson',
  'Pålsson',
  'Berggren',
  'Sandström',
  'Lund',
  'Nordin',
  'Ström',
  'Åberg',
  'Hermansson',
  'Ekström',
  'Holmgren',
  'Sundberg',
  'Hedlund',
  'Dahlberg',
  'Hellström',
  'Sjögren',
  'Abrahamsson',
  'Falk',
  'Öberg',
  'Martinsson',
  'Andreasson',
  'Blom',
  'Ek',
  'Månsson',
  'Åström',
  'Strand',
  'Lindholm',
  'Nordqvist',
  'Öhman',
  'Lundmark',
  'Lindmark',
  'Marklund',
  'Holmström',
  'Burman',
  'Öhlund',
  'Wiklund',
  'Sundqvist',
  'Nordlund',
  'Sehlstedt',
  'Boström',
  'Granberg',
  'Hägglund',
  'Näslund',
  'Edlund',
  'Forsgren',
  'Byström',
  'Jonsson Öst',
  'Zackrisson',
  'Ådahl',
  'Ängquist',
  'Ölund',
];

interface Department {
  name: string;
  titles: string[];
  keywords: string[];
  /** Functions callers ask for by name, answered by this department. */
  functions: string[];
}

const DEPARTMENTS: Department[] = [
  {
    name: 'Bygg- och miljöförvaltningen',
    titles: ['Bygglovshandläggare', 'Byggnadsinspektör', 'Miljöinspektör', 'Planarkitekt', 'Livsmedelsinspektör'],
    keywords: [
      'bygglov',
      'strandskydd',
      'detaljplan',
      'miljötillsyn',
      'livsmedelskontroll',
      'enskilt avlopp',
      'rivningslov',
    ],
    functions: ['Bygglov', 'Miljö- och hälsoskydd'],
  },
  {
    name: 'Socialtjänsten',
    titles: ['Socialsekreterare', 'Familjebehandlare', 'Enhetschef', 'Biståndshandläggare'],
    keywords: [
      'försörjningsstöd',
      'ekonomiskt bistånd',
      'barn och unga',
      'missbruk',
      'familjerätt',
      'bostadsanpassning',
    ],
    functions: ['Socialjour', 'Mottagningsenheten', 'Bostadsanpassning'],
  },
  {
    name: 'Äldreomsorgen',
    titles: ['Undersköterska', 'Sjuksköterska', 'Enhetschef', 'Biståndshandläggare', 'Arbetsterapeut'],
    keywords: ['hemtjänst', 'äldreboende', 'trygghetslarm', 'korttidsboende', 'matdistribution'],
    functions: ['Hemtjänst', 'Trygghetslarm'],
  },
  {
    name: 'Färdtjänst och kollektivtrafik',
    titles: ['Färdtjänsthandläggare', 'Trafikplanerare', 'Handläggare'],
    keywords: ['färdtjänst', 'riksfärdtjänst', 'parkeringstillstånd', 'skolskjuts', 'kollektivtrafik'],
    functions: ['Färdtjänst', 'Skolskjuts'],
  },
  {
    name: 'Förskola och grundskola',
    titles: ['Lärare', 'Förskollärare', 'Rektor', 'Skolsköterska', 'Barnskötare', 'Fritidspedagog'],
    keywords: ['förskola', 'grundskola', 'fritids', 'modersmål', 'skolval', 'barnomsorg'],
    functions: ['Barnomsorgsenheten', 'Skolvalet'],
  },
  {
    name: 'Gymnasie- och vuxenutbildningen',
    titles: ['Gymnasielärare', 'Studie- och yrkesvägledare', 'Rektor', 'SFI-lärare'],
    keywords: ['gymnasium', 'vuxenutbildning', 'sfi', 'studievägledning', 'komvux'],
    functions: ['Studievägledningen', 'Komvux'],
  },
  {
    name: 'Tekniska förvaltningen',
    titles: ['Driftstekniker', 'VA-ingenjör', 'Arbetsledare', 'Gatuingenjör', 'Drifttekniker'],
    keywords: ['vatten', 'avlopp', 'snöröjning', 'gatubelysning', 'renhållning', 'sophämtning', 'återvinning'],
    functions: ['Felanmälan vatten och avlopp', 'Renhållningen', 'Snöröjning'],
  },
  {
    name: 'Kultur och fritid',
    titles: ['Bibliotekarie', 'Fritidsledare', 'Kulturstrateg', 'Badmästare'],
    keywords: ['bibliotek', 'simhall', 'föreningsbidrag', 'fritidsgård', 'idrottshall', 'kulturskola'],
    functions: ['Biblioteket', 'Simhallen', 'Turistbyrån'],
  },
  {
    name: 'Kommunledningskontoret',
    titles: ['Registrator', 'Nämndsekreterare', 'Kommunikatör', 'Kanslichef', 'Kommundirektör', 'Utredare'],
    keywords: ['registratur', 'diarium', 'allmänna handlingar', 'kommunfullmäktige', 'överförmyndare', 'god man'],
    functions: ['Kontaktcenter', 'Växeln', 'Överförmyndarenheten'],
  },
  {
    name: 'Ekonomi och lön',
    titles: ['Lönehandläggare', 'Ekonom', 'Upphandlare', 'Controller', 'Redovisningsekonom'],
    keywords: ['lön', 'faktura', 'inköp', 'upphandling', 'budget'],
    functions: ['Lönecenter', 'Fakturaservice'],
  },
  {
    name: 'IT-avdelningen',
    titles: ['IT-tekniker', 'Systemförvaltare', 'IT-strateg', 'Nätverkstekniker'],
    keywords: ['it-support', 'lösenord', 'dator', 'telefoni', 'e-tjänster'],
    functions: ['IT-support'],
  },
  {
    name: 'Räddningstjänsten',
    titles: ['Brandman', 'Brandinspektör', 'Räddningschef', 'Styrkeledare'],
    keywords: ['räddningstjänst', 'sotning', 'brandskydd', 'brandfarlig vara', 'eldningsförbud'],
    functions: ['Räddningstjänsten', 'Sotning'],
  },
];

const LOCATIONS = ['Kommunhuset', 'Stadshuset', 'Folkets hus', 'Servicehuset', 'Förrådet', 'Skolan', 'Biblioteket'];
const ABSENCES = [
  { reason: 'meeting', text: 'Tillbaka efter mötet' },
  { reason: 'lunch', text: 'Lunch' },
  { reason: 'leave', text: 'Semester' },
  { reason: 'sick', text: 'Sjuk' },
  { reason: 'travel', text: 'På tjänsteresa' },
  { reason: 'other', text: 'Utbildning' },
] as const;

/** Extensions are the kommunkod and four digits, so each municipality has 10 000; the rest have none. */
const EXTENSIONS_PER_MUNICIPALITY = 10_000;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Picks from `items`, earlier ones more often (weight 1 / (index + flatness)). */
function skewedPicker<T>(items: readonly T[], flatness: number, random: () => number): () => T {
  const cumulative: number[] = [];
  let total = 0;
  for (let i = 0; i < items.length; i++) cumulative.push((total += 1 / (i + flatness)));
  return () => {
    const target = random() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return items[low]!;
  };
}

/** ASCII for the e-mail address, as municipalities write them (åsa.öberg → asa.oberg). */
function mailPart(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, '-');
}

/** `count` entries, as rows for the store, grouped by municipality (the order an import would write them). */
export function generateDirectory(count: number, seed = 2403): Map<string, DirectoryEntryInput[]> {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const female = skewedPicker(FEMALE, 6, random);
  const male = skewedPicker(MALE, 6, random);
  const family = skewedPicker(FAMILY, 10, random);
  const weightTotal = MEMBERS.reduce((sum, m) => sum + m.weight, 0);
  const chooseMember = () => {
    let target = random() * weightTotal;
    for (const m of MEMBERS) if ((target -= m.weight) < 0) return m;
    return MEMBERS.at(-1)!;
  };

  const byMunicipality = new Map<string, DirectoryEntryInput[]>(MEMBERS.map((m) => [m.id, []]));
  const extensionsUsed = new Map<string, number>();
  let mobileSerial = 0;

  for (let i = 0; i < count; i++) {
    const m = chooseMember();
    const department = pick(DEPARTMENTS);
    const used = extensionsUsed.get(m.id) ?? 0;
    const hasExtension = used < EXTENSIONS_PER_MUNICIPALITY;
    const suffix = String(used).padStart(4, '0');
    if (hasExtension) extensionsUsed.set(m.id, used + 1);
    const draw = random();
    const common = {
      municipalityId: m.id,
      location: `${pick(LOCATIONS)}, ${m.name}`,
      ...(hasExtension ? { extension: `${m.id}${suffix}` } : {}),
    };

    let row: DirectoryEntryInput;
    if (draw < 0.95) {
      const givenName = random() < 0.5 ? female() : male();
      const familyName = family();
      // Mobile numbers from a counter spread over the 070 series: unique, and valid.
      const mobile = `+4670${String((mobileSerial++ * 7_919 + 1_000_003) % 10_000_000).padStart(7, '0')}`;
      row = {
        kind: 'person',
        givenName,
        familyName,
        title: pick(department.titles),
        department: department.name,
        keywords: department.keywords.filter(() => random() < 0.35),
        phoneNumbers: [...(hasExtension ? [`${m.didPrefix}${suffix}`] : []), ...(random() < 0.6 ? [mobile] : [])],
        email: `${mailPart(givenName)}.${mailPart(familyName)}@${mailPart(m.name)}.se`,
        absence:
          random() < 0.1
            ? { ...pick(ABSENCES), until: new Date(Date.UTC(2030, 0, 1 + (i % 300), 14)).toISOString() }
            : null,
        ...common,
      };
    } else if (draw < 0.98) {
      row = {
        kind: 'department',
        name: `${department.name} ${m.name}`,
        keywords: department.keywords,
        phoneNumbers: hasExtension ? [`${m.didPrefix}${suffix}`] : [],
        ...common,
      };
    } else {
      row = {
        kind: 'function',
        name: `${pick(department.functions)} ${m.name}`,
        department: department.name,
        keywords: department.keywords.slice(0, 3),
        phoneNumbers: hasExtension ? [`${m.didPrefix}${suffix}`] : [],
        ...common,
      };
    }
    byMunicipality.get(m.id)!.push(row);
  }
  return byMunicipality;
}
