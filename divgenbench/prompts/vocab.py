"""Slot vocabularies of prompt bank v1 (SPEC §2). Data only: the builder reads these tables."""

from __future__ import annotations

BANK_VERSION = "v1"
BANK_SEED = 20251230  # [choice] SPEC §2
# Hashes this version had before a fix rewrote its prompts: results made on them are refused (their
# images answer other prompts). Each names why it was retired.
RETIRED_BANK_SHA256: dict[str, str] = {
    "817e22797ca775819e5e88657598d5006afe7a275b5954c618fb23fcd41f6a99":
        "v1 as first built, before issue 14 rewrote prompts that did not parse",
}

# --- ID (FairFace-style) -----------------------------------------------------------------------
# [choice] issue 14: one grammar for every feature combination. Adjectival features go before the age
# ("an attractive, smiling young Black woman"), "with" features are joined by "and" after one "with",
# worn items follow as "wearing … and …" (after a comma when a "with" part precedes). Empty parts vanish.
ID_TEMPLATE = ("A high-quality portrait photo of {article} {adjectives} {age} {ethnicity} {gender} "
               "with {with_features}, wearing {worn_features}")
ID_PAPER_TEMPLATE = "A high-quality portrait photo of {article} {age} {ethnicity} {gender} {features}"
AGES = ("young", "middle-aged", "elderly")
# [choice] FairFace's 7 groups with East and Southeast Asian merged.
ETHNICITIES = ("White", "Black", "East Asian", "South Asian", "Middle Eastern", "Latinx")
GENDERS = ("man", "woman")
ID_PROMPTS_PER_CELL = (22, 23)

# CelebA's 40 attributes as (grammatical form, phrase). Male and Young are carried by the gender and age
# slots and Blurry contradicts "high-quality", so those three are dropped [choice]: 37 features remain.
ADJECTIVE, WITH, WEARING = "adjective", "with", "wearing"
CELEBA_FEATURES: dict[str, tuple[str, str]] = {
    "5_o_Clock_Shadow": (WITH, "a five o'clock shadow"),
    "Arched_Eyebrows": (WITH, "arched eyebrows"),
    "Attractive": (ADJECTIVE, "attractive"),
    "Bags_Under_Eyes": (WITH, "bags under the eyes"),
    "Bald": (ADJECTIVE, "bald"),
    "Bangs": (WITH, "bangs"),
    "Big_Lips": (WITH, "big lips"),
    "Big_Nose": (WITH, "a big nose"),
    "Black_Hair": (WITH, "black hair"),
    "Blond_Hair": (WITH, "blond hair"),
    "Brown_Hair": (WITH, "brown hair"),
    "Bushy_Eyebrows": (WITH, "bushy eyebrows"),
    "Chubby": (ADJECTIVE, "chubby"),
    "Double_Chin": (WITH, "a double chin"),
    "Eyeglasses": (WEARING, "eyeglasses"),
    "Goatee": (WITH, "a goatee"),
    "Gray_Hair": (WITH, "gray hair"),
    "Heavy_Makeup": (WEARING, "heavy makeup"),
    "High_Cheekbones": (WITH, "high cheekbones"),
    "Mouth_Slightly_Open": (WITH, "a slightly open mouth"),
    "Mustache": (WITH, "a mustache"),
    "Narrow_Eyes": (WITH, "narrow eyes"),
    "No_Beard": (ADJECTIVE, "clean-shaven"),
    "Oval_Face": (WITH, "an oval face"),
    "Pale_Skin": (WITH, "pale skin"),
    "Pointy_Nose": (WITH, "a pointy nose"),
    "Receding_Hairline": (WITH, "a receding hairline"),
    "Rosy_Cheeks": (WITH, "rosy cheeks"),
    "Sideburns": (WITH, "sideburns"),
    "Smiling": (ADJECTIVE, "smiling"),
    "Straight_Hair": (WITH, "straight hair"),
    "Wavy_Hair": (WITH, "wavy hair"),
    "Wearing_Earrings": (WEARING, "earrings"),
    "Wearing_Hat": (WEARING, "a hat"),
    "Wearing_Lipstick": (WEARING, "lipstick"),
    "Wearing_Necklace": (WEARING, "a necklace"),
    "Wearing_Necktie": (WEARING, "a necktie"),
}
# Order of coordinate adjectives before the age: opinion, then manner, then build and hair.
ADJECTIVE_ORDER = ("Attractive", "Smiling", "Chubby", "Bald", "No_Beard")
DROPPED_CELEBA_ATTRIBUTES = ("Male", "Young", "Blurry")
HAIR_COLOURS = frozenset({"Black_Hair", "Blond_Hair", "Brown_Hair", "Gray_Hair"})
HAIR_TEXTURES = frozenset({"Straight_Hair", "Wavy_Hair"})
BEARD_FEATURES = frozenset({"5_o_Clock_Shadow", "Goatee", "Mustache", "Sideburns", "No_Beard"})
# Features that "Bald" excludes [choice]: hair colour, texture, bangs and receding hairline.
BALD_EXCLUDES = HAIR_COLOURS | HAIR_TEXTURES | {"Bangs", "Receding_Hairline"}

# --- Style ---------------------------------------------------------------------------------------
# WikiArt (ArtGAN) labels: they name the reference split and stay in the attributes.
WIKIART_STYLES = (
    "Abstract Expressionism", "Action painting", "Analytical Cubism", "Art Nouveau", "Baroque",
    "Color Field Painting", "Contemporary Realism", "Cubism", "Early Renaissance", "Expressionism",
    "Fauvism", "High Renaissance", "Impressionism", "Mannerism Late Renaissance", "Minimalism",
    "Naive Art Primitivism", "New Realism", "Northern Renaissance", "Pointillism", "Pop Art",
    "Post Impressionism", "Realism", "Rococo", "Romanticism", "Symbolism", "Synthetic Cubism", "Ukiyo e",
)
# [choice] issue 14: the prompt text names a style as people write it: (noun, adjective). The noun fills
# "in the style of {style}" and "A masterpiece of {style}"; the adjective fills the slots that modify a
# noun ("in the Cubist style", "with strong Cubist influences", "A Cubist interpretation"). Styles without
# an adjective of their own use their name.
STYLE_NAMES: dict[str, tuple[str, str]] = {
    "Abstract Expressionism": ("Abstract Expressionism", "Abstract Expressionist"),
    "Action painting": ("Action painting", "Action painting"),
    "Analytical Cubism": ("Analytical Cubism", "Analytical Cubist"),
    "Art Nouveau": ("Art Nouveau", "Art Nouveau"),
    "Baroque": ("Baroque", "Baroque"),
    "Color Field Painting": ("Color Field painting", "Color Field painting"),
    "Contemporary Realism": ("Contemporary Realism", "Contemporary Realist"),
    "Cubism": ("Cubism", "Cubist"),
    "Early Renaissance": ("the Early Renaissance", "Early Renaissance"),
    "Expressionism": ("Expressionism", "Expressionist"),
    "Fauvism": ("Fauvism", "Fauvist"),
    "High Renaissance": ("the High Renaissance", "High Renaissance"),
    "Impressionism": ("Impressionism", "Impressionist"),
    "Mannerism Late Renaissance": ("Mannerism (Late Renaissance)", "Mannerist"),
    "Minimalism": ("Minimalism", "Minimalist"),
    "Naive Art Primitivism": ("Naïve Art (Primitivism)", "Naïve Art"),
    "New Realism": ("New Realism", "New Realist"),
    "Northern Renaissance": ("the Northern Renaissance", "Northern Renaissance"),
    "Pointillism": ("Pointillism", "Pointillist"),
    "Pop Art": ("Pop Art", "Pop Art"),
    "Post Impressionism": ("Post-Impressionism", "Post-Impressionist"),
    "Realism": ("Realism", "Realist"),
    "Rococo": ("Rococo", "Rococo"),
    "Romanticism": ("Romanticism", "Romantic"),
    "Symbolism": ("Symbolism", "Symbolist"),
    "Synthetic Cubism": ("Synthetic Cubism", "Synthetic Cubist"),
    "Ukiyo e": ("Ukiyo-e", "Ukiyo-e"),
}
# The paper's seven templates; [choice] {style_adj} marks an adjective slot, and "{style} painting" became
# {style_painting}: the adjective plus "painting", or the name alone when it already ends in "painting"
# (never "Action painting painting").
STYLE_TEMPLATES = (
    "A painting in the style of {style}, depicting {base}.",
    "An artwork of {base}, in the {style_adj} style.",
    "Imagine {base}. Now, picture it in the style of {style}.",
    "An image of {base}, with strong {style_adj} influences.",
    "A masterpiece of {style}, showing {base}",
    "{style_painting} of {base}",
    "A {style_adj} interpretation of {base}.",
)
STYLE_PROMPTS_PER_STYLE = (29, 30)

# --- Base content from PartiPrompts (Style and Tonal) [choice] ----------------------------------
PARTI_CATEGORIES = (
    "Animals", "Artifacts", "Food & Beverage", "Indoor Scenes", "Outdoor Scenes",
    "Produce & Plants", "Vehicles", "People",
)
PARTI_MAX_WORDS = 20
# A base that already names a medium or a style would fight the Style/Tonal slot. Matched as whole
# words (and multi-word phrases), ignoring case and accents ("Dalí" matches "dali").
MEDIUM_OR_STYLE_WORDS = (
    "painting", "paintings", "painted", "paint", "painter", "drawing", "drawings", "drawn", "sketch",
    "sketches", "photo", "photos", "photograph", "photographs", "photography", "photographic", "picture",
    "cartoon", "cartoons", "anime", "manga", "comic", "watercolor", "watercolour", "oil", "oils", "style",
    "styled", "render", "rendered", "rendering", "illustration", "illustrated", "art", "artwork", "artist",
    "artistic", "graffiti", "mosaic", "pixel", "3d", "cgi", "digital", "vector", "logo", "icon", "emoji",
    "poster", "stained glass", "origami", "sculpture", "statue", "portrait", "dslr", "lens", "camera",
    "close-up", "closeup", "realistic", "photorealistic", "surreal", "surrealist", "abstract", "impressionist",
    "impressionism", "cubist", "cubism", "baroque", "renaissance", "rococo", "minimalist", "pop art",
    "ukiyo", "van gogh", "picasso", "monet", "dali", "vermeer", "rembrandt", "warhol", "hokusai", "tattoo",
    "crayon", "pencil", "charcoal", "pastel", "ink", "canvas", "engraving", "woodcut", "print", "screenshot",
    "infographic", "diagram", "chart", "minecraft", "lego", "claymation", "low-poly", "isometric",
    # [choice] issue 14: media that still got through.
    "image", "images", "voxel", "voxels", "thumbnail", "selfie", "coloring book", "chalk", "statues",
    "sculptures", "bust", "mona lisa", "close up", "depiction", "depicting",
)
# [choice] issue 14: Parti's typos and missing words, fixed where a base is used (whole words). The
# attributes keep the Parti row, and its text as ``parti_text`` when a fix changed it.
PARTI_FIXES: dict[str, str] = {
    "surounding": "surrounding", "necklase": "necklace", "cigarrette": "cigarette", "beatiful": "beautiful",
    "mahoghany": "mahogany", "squirrell": "squirrel", "Stegasaurus": "Stegosaurus", "platstumppus": "platypus",
    "stop sigh": "stop sign", "racoon": "raccoon", "Archaelogy": "Archaeology", "back up an": "back of an",
    "a laptop no letters": "a laptop with no letters", "looks like monster": "looks like a monster",
    "a man with puppet": "a man with a puppet", "coming up chimney": "coming up the chimney",
    "long-island ice tea": "Long Island iced tea", "bloody mary": "Bloody Mary",
    "brown white and black white": "brown-and-white and black-and-white", "three quarters view": "three-quarter view",
    "Zoomed out view": "zoomed-out view", "Snow mountain and tree reflection": "a snowy mountain and a tree reflected",
    "Sunset over": "the sunset over", "Dogs": "dogs",
}
# Singular count nouns that open a Parti text without an article: the base takes "a"/"an".
BARE_SINGULAR_OPENINGS = (
    "teacup", "chair", "waterfall", "panda mad scientist", "Siberian husky", "fairy cottage",
    "black bearded dog", "world's best brother t-shirt", "zoomed-out view", "view of", "view from",
    "overhead view", "three-quarter view",
)
# Tonal bases must not already name light, colour mood or time of day.
LIGHT_OR_MOOD_WORDS = (
    "night", "nighttime", "midnight", "dark", "darkness", "bright", "brightly", "sunset", "sunrise", "neon",
    "black and white", "light", "lights", "lit", "lighting", "lightning", "sunlight", "sunny", "sunshine",
    "moonlight", "moonlit", "moon", "sun", "shadow", "shadows", "shade", "shaded", "dawn", "dusk", "twilight",
    "evening", "morning", "noon", "midday", "afternoon", "fog", "foggy", "haze", "hazy", "mist", "misty",
    "overcast", "cloudy", "glow", "glowing", "glows", "shining", "shiny", "sparkling", "colorful",
    "colourful", "color", "colors", "colour", "colours", "vibrant", "monochrome", "grayscale", "greyscale",
    "sepia", "saturated", "contrast", "silhouette", "silhouetted", "dim", "dimly", "gloomy", "candle",
    "candlelight", "fire", "flames", "lamp", "lantern", "rainbow", "stars", "starry", "gold", "golden",
    "pale", "faded", "washed",
)

# --- Layout --------------------------------------------------------------------------------------
# The paper's three templates (0-2) seat everything on a table; [choice] issue 14: classes a table cannot
# hold get scenes that can (a studio shot stays, two templates move the objects into a room or onto an
# open white ground). Every class keeps three templates, so the 10-per-class, 200-per-count balance holds.
LAYOUT_TEMPLATES = (
    "A studio shot of {n} {objects} on a clean white background.",
    "A clear, top-down view of {n} {objects} arranged on a large white table.",
    "A simple scene featuring {n} {objects} on a large white table.",
    "A clear, top-down view of {n} {objects} in an empty white room.",
    "A simple scene featuring {n} {objects} in an empty white room.",
    "A clear, top-down view of {n} {objects} on an empty white plain.",
    "A simple scene featuring {n} {objects} on an empty white plain.",
)
LAYOUT_SETTINGS: dict[str, tuple[int, int, int]] = {"table": (0, 1, 2), "room": (0, 3, 4), "open": (0, 5, 6)}
# People, large animals, furniture, big appliances and long boards go in a room; vehicles and street
# furniture on open ground; every other class fits on a large table.
LAYOUT_LARGE_CLASSES: dict[str, frozenset[str]] = {
    "room": frozenset({
        "person", "bicycle", "motorcycle", "bench", "bird", "cat", "dog", "horse", "sheep", "cow", "elephant",
        "bear", "zebra", "giraffe", "skis", "snowboard", "surfboard", "chair", "couch", "bed", "dining table",
        "toilet", "tv", "oven", "sink", "refrigerator"}),
    "open": frozenset({
        "car", "airplane", "bus", "train", "truck", "boat", "traffic light", "fire hydrant", "stop sign",
        "parking meter"}),
}
LAYOUT_COUNTS = {2: "two", 3: "three", 4: "four", 5: "five"}
LAYOUT_PROMPTS_PER_CLASS = 10
# The 80 COCO classes (detector query = class name) with hand-checked plurals.
COCO_PLURALS: dict[str, str] = {
    "person": "people", "bicycle": "bicycles", "car": "cars", "motorcycle": "motorcycles",
    "airplane": "airplanes", "bus": "buses", "train": "trains", "truck": "trucks", "boat": "boats",
    "traffic light": "traffic lights", "fire hydrant": "fire hydrants", "stop sign": "stop signs",
    "parking meter": "parking meters", "bench": "benches", "bird": "birds", "cat": "cats", "dog": "dogs",
    "horse": "horses", "sheep": "sheep", "cow": "cows", "elephant": "elephants", "bear": "bears",
    "zebra": "zebras", "giraffe": "giraffes", "backpack": "backpacks", "umbrella": "umbrellas",
    "handbag": "handbags", "tie": "ties", "suitcase": "suitcases", "frisbee": "frisbees", "skis": "skis",
    "snowboard": "snowboards", "sports ball": "sports balls", "kite": "kites", "baseball bat": "baseball bats",
    "baseball glove": "baseball gloves", "skateboard": "skateboards", "surfboard": "surfboards",
    "tennis racket": "tennis rackets", "bottle": "bottles", "wine glass": "wine glasses", "cup": "cups",
    "fork": "forks", "knife": "knives", "spoon": "spoons", "bowl": "bowls", "banana": "bananas",
    "apple": "apples", "sandwich": "sandwiches", "orange": "oranges", "broccoli": "heads of broccoli",
    "carrot": "carrots", "hot dog": "hot dogs", "pizza": "pizzas", "donut": "donuts", "cake": "cakes",
    "chair": "chairs", "couch": "couches", "potted plant": "potted plants", "bed": "beds",
    "dining table": "dining tables", "toilet": "toilets", "tv": "TVs", "laptop": "laptops",
    "mouse": "computer mice", "remote": "remote controls", "keyboard": "keyboards",
    "cell phone": "cell phones", "microwave": "microwaves", "oven": "ovens", "toaster": "toasters",
    "sink": "sinks", "refrigerator": "refrigerators", "book": "books", "clock": "clocks", "vase": "vases",
    "scissors": "pairs of scissors", "teddy bear": "teddy bears", "hair drier": "hair dryers",
    "toothbrush": "toothbrushes",
}

# --- Tonal ---------------------------------------------------------------------------------------
# The paper's six templates. Their slots want different parts of speech: 0 and 3 an adjective ("A dimly lit
# image"), 2 and 4 a noun phrase ("characterized by natural colors"), 1 and 5 a tag that reads as anything.
TONAL_TEMPLATES = (
    "An image of {base}, rendered with {tonal} properties.",
    "{base}, {tonal}",
    "{base}, characterized by {tonal}",
    "A {tonal} image of {base}",
    "Photograph of {base}, captured with {tonal}",
    "{Tonal}, a depiction of {base}",
)
TAG, ADJECTIVE_SLOTS, NOUN_SLOTS = (1, 5), (0, 1, 3, 5), (1, 2, 4, 5)
# axis → (keyword, added_by_divgenbench, templates it reads correctly in). The paper's 11 keywords are kept
# verbatim; [choice] issue 14: each is paired only with the templates where it parses, and the 7 added
# keywords (True) were reworded to fit more of them.
TONAL_KEYWORDS: dict[str, tuple[tuple[str, bool, tuple[int, ...]], ...]] = {
    "saturation": (
        ("monochrome, black and white", False, ADJECTIVE_SLOTS),
        ("desaturated, muted colors", False, NOUN_SLOTS),
        ("natural colors", False, NOUN_SLOTS),
        ("vibrant, saturated colors", False, NOUN_SLOTS),
        ("neon colors, fluorescent", False, TAG),
        ("pastel colors", True, NOUN_SLOTS),
    ),
    "brightness": (
        ("high key photography", False, NOUN_SLOTS),
        ("low key photography, dark scene", False, TAG),
        ("dimly lit", False, (1, 3, 5)),
        ("bright midday sunlight", True, NOUN_SLOTS),
        ("overexposed, bright", True, ADJECTIVE_SLOTS),
        ("underexposed, at night", True, TAG),
    ),
    "contrast": (
        ("silhouette", False, (1, 3, 5)),
        ("high contrast, hard lighting", False, NOUN_SLOTS),
        ("soft lighting, overcast day", False, TAG),
        ("hazy, low-contrast", True, ADJECTIVE_SLOTS),
        ("chiaroscuro", True, (1, 2, 3, 5)),
        ("flat, foggy light", True, NOUN_SLOTS),
    ),
}
TONAL_PROMPTS_PER_KEYWORD = (44, 45)
