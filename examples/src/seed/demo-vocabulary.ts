/**
 * The words the demo catalog is made of: a category tree whose leaves say what their products are
 * called, what options they come in and what they cost. Plain data, so the generator stays short.
 */

/** One option axis of a product's variants, e.g. size S/M/L. */
export interface OptionAxis {
  readonly name: string
  readonly values: readonly string[]
}

/** A leaf category and how to make products for it. */
export interface LeafTemplate {
  readonly slug: string
  readonly name: string
  readonly nouns: readonly string[]
  readonly adjectives: readonly string[]
  readonly tags: readonly string[]
  /** Variants are made along this axis (up to four values); null: one variant. */
  readonly option: OptionAxis | null
  /** Lowest and highest USD price, in cents. */
  readonly price: readonly [number, number]
  /** Lightest and heaviest shipping weight, in grams. */
  readonly weight: readonly [number, number]
  readonly materials: readonly string[]
}

export interface BranchTemplate {
  readonly slug: string
  readonly name: string
  readonly children: readonly (BranchTemplate | LeafTemplate)[]
}

const colours: OptionAxis = { name: 'colour', values: ['Black', 'White', 'Navy', 'Silver', 'Red', 'Olive'] }
const apparelSizes: OptionAxis = { name: 'size', values: ['XS', 'S', 'M', 'L', 'XL', 'XXL'] }
const shoeSizes: OptionAxis = { name: 'size', values: ['38', '39', '40', '41', '42', '43', '44', '45'] }
const bedSizes: OptionAxis = { name: 'size', values: ['Single', 'Double', 'Queen', 'King'] }
const volumes: OptionAxis = { name: 'size', values: ['30 ml', '50 ml', '100 ml', '200 ml'] }

const leaf = (
  slug: string,
  name: string,
  nouns: string[],
  adjectives: string[],
  tags: string[],
  option: OptionAxis | null,
  price: [number, number],
  weight: [number, number],
  materials: string[] = ['recycled plastic', 'aluminium', 'steel'],
): LeafTemplate => ({ slug, name, nouns, adjectives, tags, option, price, weight, materials })

/** Roots, branches and leaves; products only go into leaves. */
export const CATEGORY_TREE: readonly BranchTemplate[] = [
  {
    slug: 'electronics',
    name: 'Electronics',
    children: [
      {
        slug: 'audio',
        name: 'Audio',
        children: [
          leaf(
            'headphones',
            'Headphones',
            ['Headphones', 'Earbuds', 'Headset'],
            ['Wireless', 'Noise-Cancelling', 'Bluetooth', 'Studio', 'Over-Ear', 'Sport'],
            ['wireless', 'bluetooth', 'audio'],
            colours,
            [1999, 34999],
            [40, 400],
          ),
          leaf(
            'speakers',
            'Speakers',
            ['Speaker', 'Soundbar', 'Bookshelf Speakers'],
            ['Portable', 'Waterproof', 'Smart', 'Wireless', 'Compact'],
            ['audio', 'speaker'],
            colours,
            [2999, 49999],
            [300, 4000],
          ),
        ],
      },
      {
        slug: 'computing',
        name: 'Computing',
        children: [
          leaf(
            'keyboards',
            'Keyboards',
            ['Keyboard', 'Keypad'],
            ['Mechanical', 'Wireless', 'Ergonomic', 'Compact', 'Backlit'],
            ['computer', 'office'],
            { name: 'layout', values: ['US', 'UK', 'DE', 'FR'] },
            [2499, 19999],
            [300, 1200],
          ),
          leaf(
            'mice',
            'Mice',
            ['Mouse', 'Trackball'],
            ['Wireless', 'Gaming', 'Ergonomic', 'Silent', 'Travel'],
            ['computer', 'office', 'wireless'],
            colours,
            [999, 12999],
            [60, 250],
          ),
          leaf(
            'monitors',
            'Monitors',
            ['Monitor', 'Display'],
            ['4K', 'Curved', 'UltraWide', 'Portable', 'HDR'],
            ['computer', 'office', 'display'],
            { name: 'size', values: ['24 in', '27 in', '32 in', '34 in'] },
            [12999, 89999],
            [2500, 9000],
          ),
        ],
      },
      leaf(
        'chargers',
        'Chargers & Cables',
        ['Charger', 'Power Bank', 'Charging Cable', 'Charging Stand'],
        ['Fast', 'Wireless', 'USB-C', 'Travel', 'Magnetic'],
        ['phone', 'usb-c', 'travel'],
        null,
        [999, 7999],
        [50, 500],
      ),
    ],
  },
  {
    slug: 'clothing',
    name: 'Clothing',
    children: [
      leaf(
        't-shirts',
        'T-Shirts',
        ['T-Shirt', 'Tee', 'Long-Sleeve Tee'],
        ['Organic Cotton', 'Classic', 'Slim-Fit', 'Graphic', 'Merino', 'Striped'],
        ['cotton', 'casual'],
        apparelSizes,
        [1499, 5999],
        [150, 300],
        ['organic cotton', 'merino wool', 'linen'],
      ),
      leaf(
        'hoodies',
        'Hoodies & Sweaters',
        ['Hoodie', 'Sweater', 'Cardigan'],
        ['Cosy', 'Oversized', 'Zip-Up', 'Knitted', 'Fleece'],
        ['warm', 'casual'],
        apparelSizes,
        [3999, 11999],
        [400, 900],
        ['cotton fleece', 'wool', 'cashmere blend'],
      ),
      leaf(
        'jackets',
        'Jackets',
        ['Jacket', 'Parka', 'Raincoat', 'Vest'],
        ['Waterproof', 'Insulated', 'Lightweight', 'Packable', 'Denim'],
        ['outdoor', 'warm'],
        apparelSizes,
        [5999, 29999],
        [400, 1800],
        ['recycled nylon', 'denim', 'down'],
      ),
      leaf(
        'shoes',
        'Shoes',
        ['Running Shoes', 'Sneakers', 'Boots', 'Sandals'],
        ['Trail', 'Lightweight', 'Leather', 'Everyday', 'Waterproof'],
        ['footwear'],
        shoeSizes,
        [4999, 21999],
        [600, 1600],
        ['leather', 'recycled mesh', 'suede'],
      ),
    ],
  },
  {
    slug: 'home-kitchen',
    name: 'Home & Kitchen',
    children: [
      leaf(
        'cookware',
        'Cookware',
        ['Frying Pan', 'Saucepan', 'Dutch Oven', 'Wok', 'Stock Pot'],
        ['Cast Iron', 'Non-Stick', 'Stainless Steel', 'Ceramic', 'Copper'],
        ['kitchen', 'cooking'],
        { name: 'size', values: ['20 cm', '24 cm', '28 cm', '32 cm'] },
        [2499, 24999],
        [800, 6000],
        ['cast iron', 'stainless steel', 'ceramic'],
      ),
      leaf(
        'coffee',
        'Coffee & Tea',
        ['Coffee Grinder', 'French Press', 'Espresso Machine', 'Pour-Over Kettle', 'Tea Infuser'],
        ['Manual', 'Electric', 'Burr', 'Glass', 'Gooseneck'],
        ['kitchen', 'coffee'],
        null,
        [1999, 59999],
        [300, 8000],
        ['glass', 'stainless steel', 'bamboo'],
      ),
      leaf(
        'bedding',
        'Bedding',
        ['Duvet Cover', 'Pillow', 'Sheet Set', 'Throw Blanket'],
        ['Linen', 'Percale', 'Bamboo', 'Weighted', 'Organic'],
        ['bedroom', 'home'],
        bedSizes,
        [2999, 19999],
        [500, 4000],
        ['linen', 'organic cotton', 'bamboo'],
      ),
      leaf(
        'lighting',
        'Lighting',
        ['Desk Lamp', 'Floor Lamp', 'LED Strip', 'Pendant Light'],
        ['Dimmable', 'Smart', 'Minimalist', 'Rechargeable', 'Vintage'],
        ['home', 'lighting'],
        null,
        [1999, 24999],
        [300, 6000],
      ),
    ],
  },
  {
    slug: 'sports-outdoors',
    name: 'Sports & Outdoors',
    children: [
      leaf(
        'camping',
        'Camping',
        ['Tent', 'Sleeping Bag', 'Backpack', 'Headlamp', 'Camping Stove'],
        ['Ultralight', 'Waterproof', '3-Season', 'Compact', 'Trekking'],
        ['outdoor', 'camping'],
        null,
        [1999, 39999],
        [100, 4000],
        ['ripstop nylon', 'aluminium', 'titanium'],
      ),
      leaf(
        'fitness',
        'Fitness',
        ['Yoga Mat', 'Dumbbell Set', 'Resistance Bands', 'Kettlebell', 'Jump Rope'],
        ['Non-Slip', 'Adjustable', 'Eco', 'Heavy-Duty', 'Foldable'],
        ['fitness', 'home-gym'],
        { name: 'weight', values: ['4 kg', '8 kg', '12 kg', '16 kg'] },
        [999, 19999],
        [300, 16000],
        ['natural rubber', 'cast iron', 'TPE'],
      ),
      leaf(
        'cycling',
        'Cycling',
        ['Bike Helmet', 'Bike Light', 'Water Bottle', 'Saddle Bag'],
        ['Aero', 'Rechargeable', 'Insulated', 'Reflective', 'Commuter'],
        ['cycling', 'outdoor'],
        colours,
        [999, 14999],
        [100, 600],
      ),
    ],
  },
  {
    slug: 'books-stationery',
    name: 'Books & Stationery',
    children: [
      leaf(
        'notebooks',
        'Notebooks',
        ['Notebook', 'Journal', 'Planner', 'Sketchbook'],
        ['Dotted', 'Hardcover', 'Recycled', 'Pocket', 'Undated'],
        ['paper', 'office'],
        { name: 'size', values: ['A6', 'A5', 'A4'] },
        [799, 3999],
        [100, 700],
        ['recycled paper', 'leather', 'linen'],
      ),
      leaf(
        'pens',
        'Pens & Pencils',
        ['Fountain Pen', 'Gel Pen Set', 'Pencil Set', 'Fineliner Set'],
        ['Classic', 'Refillable', 'Waterproof', 'Artist', 'Brass'],
        ['writing', 'office'],
        null,
        [499, 14999],
        [20, 300],
        ['brass', 'resin', 'cedar wood'],
      ),
    ],
  },
  {
    slug: 'beauty',
    name: 'Beauty',
    children: [
      leaf(
        'skincare',
        'Skincare',
        ['Face Cream', 'Serum', 'Cleanser', 'Sunscreen'],
        ['Hydrating', 'Vitamin C', 'Gentle', 'Fragrance-Free', 'Night'],
        ['skincare', 'vegan'],
        volumes,
        [899, 6999],
        [60, 400],
        ['glass', 'recycled plastic'],
      ),
      leaf(
        'hair',
        'Hair Care',
        ['Shampoo', 'Conditioner', 'Hair Dryer', 'Hair Oil'],
        ['Repairing', 'Volumising', 'Sulfate-Free', 'Ionic', 'Argan'],
        ['haircare'],
        volumes,
        [699, 17999],
        [100, 900],
        ['glass', 'recycled plastic'],
      ),
    ],
  },
  {
    slug: 'toys-games',
    name: 'Toys & Games',
    children: [
      leaf(
        'board-games',
        'Board Games',
        ['Board Game', 'Card Game', 'Strategy Game', 'Party Game'],
        ['Cooperative', 'Family', 'Classic', 'Travel', 'Deluxe'],
        ['games', 'family'],
        null,
        [1499, 7999],
        [300, 2500],
        ['cardboard', 'wood'],
      ),
      leaf(
        'puzzles',
        'Puzzles',
        ['Jigsaw Puzzle', 'Wooden Puzzle', '3D Puzzle'],
        ['1000-Piece', '500-Piece', 'Panoramic', 'Mini', 'Brain-Teaser'],
        ['games', 'puzzle'],
        null,
        [999, 4999],
        [200, 1500],
        ['cardboard', 'wood'],
      ),
    ],
  },
]

export const BRANDS = [
  'Aurora',
  'Nordwind',
  'Kestrel',
  'Lumen',
  'Basalt',
  'Tidewell',
  'Orbit',
  'Fjord',
  'Saffron',
  'Meridian',
  'Cobalt',
  'Juniper',
  'Halcyon',
  'Vertex',
  'Alder',
  'Pico',
] as const

export const MODEL_SUFFIXES = ['', '', '', 'Pro', 'Mini', 'Max', 'II', 'Lite', 'Plus', 'S'] as const

/** Marketplace sellers; `roots` are the root categories each mostly sells in. */
export const SELLERS = [
  { slug: 'souk-originals', name: 'Souk Originals', roots: ['electronics', 'clothing', 'home-kitchen'] },
  { slug: 'lumen-electronics', name: 'Lumen Electronics', roots: ['electronics'] },
  { slug: 'kestrel-outfitters', name: 'Kestrel Outfitters', roots: ['clothing', 'sports-outdoors'] },
  { slug: 'tidewell-home', name: 'Tidewell Home', roots: ['home-kitchen'] },
  { slug: 'basalt-sports', name: 'Basalt Sports', roots: ['sports-outdoors'] },
  { slug: 'paper-and-ink', name: 'Paper & Ink', roots: ['books-stationery', 'toys-games'] },
  { slug: 'saffron-beauty', name: 'Saffron Beauty', roots: ['beauty'] },
  { slug: 'meridian-market', name: 'Meridian Market', roots: [] },
] as const

export const FEATURES = [
  'Built to last, with a two-year warranty.',
  'Designed in Lisbon and made in small batches.',
  'Tested by our team for months before it reached the shop.',
  'Ships in plastic-free packaging.',
  'A customer favourite for gifting.',
  'Easy to clean and easy to love.',
  'Comes with everything you need to get started.',
  'Pairs well with the rest of the collection.',
] as const

export const REVIEW_TITLES: Readonly<Record<number, readonly string[]>> = {
  1: ['Disappointed', 'Broke after a week', 'Not as described'],
  2: ['Could be better', 'Meh', 'Not for me'],
  3: ['Does the job', 'Okay for the price', 'Decent'],
  4: ['Very good', 'Happy with it', 'Solid choice'],
  5: ['Love it!', 'Excellent quality', 'Would buy again', 'Perfect'],
}

export const REVIEW_BODIES = [
  'Arrived quickly and well packed.',
  'The quality is better than I expected for the price.',
  'Exactly what the description says.',
  'I use it every day now.',
  'Sizing runs a little small, order one up.',
  'Customer service sorted out a question within a day.',
  'Looks great, feels sturdy.',
  'Took a while to get used to, but worth it.',
] as const

export const FIRST_NAMES = [
  'Ada',
  'Bo',
  'Chen',
  'Dara',
  'Emil',
  'Farah',
  'Gus',
  'Hana',
  'Ivo',
  'Jun',
  'Kai',
  'Lena',
  'Maya',
  'Nia',
  'Omar',
  'Pia',
]
export const LAST_NAMES = [
  'Okafor',
  'Silva',
  'Novak',
  'Larsen',
  'Haddad',
  'Moreau',
  'Schmidt',
  'Tanaka',
  'Rossi',
  'Walsh',
]

/** Where the demo's past orders shipped to. */
export const CITIES = [
  { city: 'Berlin', country: 'DE', postalCode: '10115', currency: 'EUR' },
  { city: 'Paris', country: 'FR', postalCode: '75001', currency: 'EUR' },
  { city: 'Amsterdam', country: 'NL', postalCode: '1012', currency: 'EUR' },
  { city: 'New York', country: 'US', region: 'NY', postalCode: '10001', currency: 'USD' },
  { city: 'San Francisco', country: 'US', region: 'CA', postalCode: '94103', currency: 'USD' },
  { city: 'Austin', country: 'US', region: 'TX', postalCode: '73301', currency: 'USD' },
] as const
