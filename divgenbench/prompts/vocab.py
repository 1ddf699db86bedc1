"""Slot vocabularies of prompt bank v1 (SPEC §2). Data only: the builder reads these tables."""

from __future__ import annotations

BANK_VERSION = "v1"
BANK_SEED = 20251230  # [choice] SPEC §2

# --- ID (FairFace-style) -----------------------------------------------------------------------
ID_TEMPLATE = "A high-quality portrait photo of {article} {age} {ethnicity} {gender} {features}"
AGES = ("young", "middle-aged", "elderly")
# [choice] FairFace's 7 groups with East and Southeast Asian merged.
ETHNICITIES = ("White", "Black", "East Asian", "South Asian", "Middle Eastern", "Latinx")
GENDERS = ("man", "woman")
ID_PROMPTS_PER_CELL = (22, 23)

# CelebA's 40 attributes as phrases. Male and Young are carried by the gender and age slots and Blurry
# contradicts "high-quality", so those three are dropped [choice]: 37 features remain.
CELEBA_FEATURES: dict[str, str] = {
    "5_o_Clock_Shadow": "with a five o'clock shadow",
    "Arched_Eyebrows": "with arched eyebrows",
    "Attractive": "who is attractive",
    "Bags_Under_Eyes": "with bags under the eyes",
    "Bald": "who is bald",
    "Bangs": "with bangs",
    "Big_Lips": "with big lips",
    "Big_Nose": "with a big nose",
    "Black_Hair": "with black hair",
    "Blond_Hair": "with blond hair",
    "Brown_Hair": "with brown hair",
    "Bushy_Eyebrows": "with bushy eyebrows",
    "Chubby": "who is chubby",
    "Double_Chin": "with a double chin",
    "Eyeglasses": "wearing eyeglasses",
    "Goatee": "with a goatee",
    "Gray_Hair": "with gray hair",
    "Heavy_Makeup": "wearing heavy makeup",
    "High_Cheekbones": "with high cheekbones",
    "Mouth_Slightly_Open": "with the mouth slightly open",
    "Mustache": "with a mustache",
    "Narrow_Eyes": "with narrow eyes",
    "No_Beard": "with no beard",
    "Oval_Face": "with an oval face",
    "Pale_Skin": "with pale skin",
    "Pointy_Nose": "with a pointy nose",
    "Receding_Hairline": "with a receding hairline",
    "Rosy_Cheeks": "with rosy cheeks",
    "Sideburns": "with sideburns",
    "Smiling": "who is smiling",
    "Straight_Hair": "with straight hair",
    "Wavy_Hair": "with wavy hair",
    "Wearing_Earrings": "wearing earrings",
    "Wearing_Hat": "wearing a hat",
    "Wearing_Lipstick": "wearing lipstick",
    "Wearing_Necklace": "wearing a necklace",
    "Wearing_Necktie": "wearing a necktie",
}
DROPPED_CELEBA_ATTRIBUTES = ("Male", "Young", "Blurry")
HAIR_COLOURS = frozenset({"Black_Hair", "Blond_Hair", "Brown_Hair", "Gray_Hair"})
HAIR_TEXTURES = frozenset({"Straight_Hair", "Wavy_Hair"})
BEARD_FEATURES = frozenset({"5_o_Clock_Shadow", "Goatee", "Mustache", "Sideburns", "No_Beard"})
# Features that "Bald" excludes [choice]: hair colour, texture, bangs and receding hairline.
BALD_EXCLUDES = HAIR_COLOURS | HAIR_TEXTURES | {"Bangs", "Receding_Hairline"}

# --- Style ---------------------------------------------------------------------------------------
WIKIART_STYLES = (
    "Abstract Expressionism", "Action painting", "Analytical Cubism", "Art Nouveau", "Baroque",
    "Color Field Painting", "Contemporary Realism", "Cubism", "Early Renaissance", "Expressionism",
    "Fauvism", "High Renaissance", "Impressionism", "Mannerism Late Renaissance", "Minimalism",
    "Naive Art Primitivism", "New Realism", "Northern Renaissance", "Pointillism", "Pop Art",
    "Post Impressionism", "Realism", "Rococo", "Romanticism", "Symbolism", "Synthetic Cubism", "Ukiyo e",
)
STYLE_TEMPLATES = (
    "A painting in the style of {style}, depicting {base}.",
    "An artwork of {base}, in the {style} style.",
    "Imagine {base}. Now, picture it in the style of {style}.",
    "An image of {base}, with strong {style} influences.",
    "A masterpiece of {style}, showing {base}",
    "{style} painting of {base}",
    "A {style} interpretation of {base}.",
)
STYLE_PROMPTS_PER_STYLE = (29, 30)

# --- Base content from PartiPrompts (Style and Tonal) [choice] ----------------------------------
PARTI_CATEGORIES = (
    "Animals", "Artifacts", "Food & Beverage", "Indoor Scenes", "Outdoor Scenes",
    "Produce & Plants", "Vehicles", "People",
)
PARTI_MAX_WORDS = 20
# A base that already names a medium or a style would fight the Style/Tonal slot. Matched as whole
# words (and multi-word phrases), case-insensitively.
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
LAYOUT_TEMPLATES = (
    "A studio shot of {n} {objects} on a clean white background.",
    "A clear, top-down view of {n} {objects} arranged on a large white table.",
    "A simple scene featuring {n} {objects} on a large white table.",
)
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
# The paper's 11 keywords plus 7 [choice] ones (marked True), 6 per axis.
TONAL_KEYWORDS: dict[str, tuple[tuple[str, bool], ...]] = {
    "saturation": (
        ("monochrome, black and white", False), ("desaturated, muted colors", False),
        ("natural colors", False), ("vibrant, saturated colors", False),
        ("neon colors, fluorescent", False), ("pastel colors", True),
    ),
    "brightness": (
        ("high key photography", False), ("low key photography, dark scene", False), ("dimly lit", False),
        ("brightly lit, midday sun", True), ("overexposed, bright", True), ("underexposed, night scene", True),
    ),
    "contrast": (
        ("silhouette", False), ("high contrast, hard lighting", False),
        ("soft lighting, overcast day", False), ("low contrast, hazy", True), ("chiaroscuro", True),
        ("flat lighting, foggy", True),
    ),
}
TONAL_TEMPLATES = (
    "An image of {base}, rendered with {tonal} properties.",
    "{base}, {tonal}",
    "{base}, characterized by {tonal}",
    "A {tonal} image of {base}",
    "Photograph of {base}, captured with {tonal}",
    "{Tonal}, a depiction of {base}",
)
TONAL_PROMPTS_PER_KEYWORD = (44, 45)
