namespace ScriptPlatform.Registry.Search.Embeddings;

/// <summary>
/// A small, general-purpose English lexicon for the offline embedder: groups of words that mean
/// roughly the same thing in descriptions of small programs (actions, data kinds, units). Each group
/// becomes one shared "concept" feature, so "fetch a web page" and "download an HTML document" land
/// near each other without a model. General vocabulary only; nothing here names a particular script.
/// </summary>
internal static class Lexicon
{
    private static readonly string[][] Groups =
    [
        // Actions on data.
        ["add", "sum", "plus", "addition", "total", "summation", "accumulate"],
        ["subtract", "minus", "difference", "subtraction", "deduct"],
        ["multiply", "product", "times", "multiplication"],
        ["divide", "division", "quotient", "ratio", "split"],
        ["average", "mean", "avg", "median", "typical"],
        ["count", "tally", "number", "enumerate", "frequency", "occurrence", "how many"],
        ["calculate", "compute", "work out", "determine", "evaluate", "figure"],
        ["convert", "transform", "translate", "change", "turn into", "conversion", "transcode"],
        ["parse", "read", "load", "ingest", "import", "decode", "interpret"],
        ["write", "save", "store", "export", "persist", "dump", "output"],
        ["create", "make", "generate", "build", "produce", "new", "construct"],
        ["delete", "remove", "erase", "drop", "purge", "discard", "clean", "clear", "strip", "eliminate"],
        ["find", "search", "look up", "lookup", "locate", "query", "seek", "detect", "discover", "identify"],
        ["filter", "select", "keep", "pick", "exclude", "subset"],
        ["sort", "order", "rank", "arrange", "sequence"],
        ["merge", "combine", "join", "concatenate", "append", "unite", "union", "consolidate"],
        ["compare", "diff", "contrast", "match", "similarity", "difference"],
        ["validate", "check", "verify", "test", "ensure", "confirm", "lint", "audit", "sanity"],
        ["fix", "repair", "correct", "normalize", "normalise", "sanitize", "tidy", "standardize", "canonicalize"],
        ["download", "fetch", "retrieve", "get", "grab", "pull", "scrape", "crawl", "harvest", "collect"],
        ["upload", "send", "push", "post", "submit", "transmit", "publish"],
        ["extract", "pull out", "capture", "scrape", "mine", "harvest", "isolate"],
        ["summarize", "summarise", "summary", "digest", "overview", "condense", "abstract", "tldr"],
        ["format", "pretty", "prettify", "layout", "beautify", "indent", "render", "style"],
        ["encrypt", "cipher", "encode", "obfuscate", "secure", "protect"],
        ["decrypt", "decipher", "decode", "unlock"],
        ["hash", "checksum", "digest", "fingerprint", "sha256", "md5", "crc"],
        ["compress", "zip", "gzip", "archive", "pack", "shrink", "deflate", "tar"],
        ["decompress", "unzip", "extract", "unpack", "inflate", "untar"],
        ["resize", "scale", "shrink", "enlarge", "thumbnail", "downscale", "upscale", "dimension"],
        ["rotate", "flip", "mirror", "turn", "orientation"],
        ["crop", "trim", "cut", "clip", "truncate"],
        ["schedule", "cron", "timer", "periodic", "recurring", "every"],
        ["notify", "alert", "warn", "notification", "remind", "reminder", "ping", "page"],
        ["monitor", "watch", "observe", "track", "poll", "uptime", "health"],
        ["log", "logs", "logging", "journal", "event", "trace", "audit"],
        ["backup", "snapshot", "copy", "replicate", "mirror", "duplicate", "clone"],
        ["rename", "retitle", "relabel", "move"],
        ["split", "chunk", "partition", "segment", "divide", "break up", "batch"],
        ["random", "shuffle", "sample", "pseudorandom", "dice", "lottery"],
        ["translate", "translation", "language", "localize", "localise"],
        ["classify", "categorize", "categorise", "label", "tag", "bucket", "group", "cluster"],
        ["predict", "forecast", "estimate", "project", "extrapolate", "regression"],
        ["visualize", "visualise", "plot", "chart", "graph", "draw", "diagram", "histogram"],
        ["deduplicate", "dedupe", "duplicate", "unique", "distinct", "redundant"],
        ["tokenize", "tokenise", "words", "split", "segment"],
        ["spell", "spelling", "typo", "misspelling", "proofread", "grammar"],
        ["measure", "metric", "statistic", "statistics", "stats", "figure", "quantity"],
        ["round", "rounding", "precision", "decimal", "truncate"],
        ["minimum", "min", "smallest", "lowest", "least"],
        ["maximum", "max", "largest", "highest", "biggest", "greatest", "peak"],
        ["reverse", "invert", "backwards", "flip"],
        ["replace", "substitute", "swap", "rewrite", "substitution"],
        ["greet", "greeting", "hello", "welcome", "salutation", "hi"],
        ["wait", "sleep", "delay", "pause", "throttle", "retry"],
        ["authenticate", "login", "log in", "sign in", "credential", "password", "auth", "token"],
        ["mask", "redact", "anonymize", "anonymise", "censor", "hide", "pseudonymize", "scrub"],

        // Kinds of data and things.
        ["image", "picture", "photo", "photograph", "png", "jpeg", "jpg", "bitmap", "graphic", "pixel", "gif"],
        ["video", "movie", "film", "clip", "mp4", "footage"],
        ["audio", "sound", "music", "song", "mp3", "wav", "voice", "recording"],
        ["text", "string", "words", "prose", "sentence", "paragraph", "characters", "wording"],
        ["document", "doc", "file", "pdf", "docx", "paper", "report"],
        ["spreadsheet", "csv", "excel", "xlsx", "table", "tabular", "sheet", "tsv", "rows", "columns"],
        ["json", "yaml", "toml", "xml", "config", "configuration", "settings"],
        ["web", "website", "webpage", "page", "html", "site", "url", "link", "http", "internet", "online"],
        ["email", "mail", "e-mail", "inbox", "message", "smtp", "newsletter"],
        ["phone", "telephone", "mobile", "cell", "sms", "text message"],
        ["address", "location", "place", "geocode", "coordinates", "latitude", "longitude", "gps", "map"],
        ["date", "day", "calendar", "time", "timestamp", "datetime", "clock", "hour", "minute", "weekday"],
        ["timezone", "time zone", "utc", "offset", "zone"],
        ["money", "currency", "price", "cost", "dollar", "euro", "payment", "invoice", "financial", "fx", "exchange rate"],
        ["tax", "vat", "duty", "levy"],
        ["interest", "loan", "mortgage", "compound", "amortization", "principal", "apr"],
        ["temperature", "celsius", "fahrenheit", "kelvin", "degree", "weather", "heat"],
        ["length", "distance", "meter", "metre", "kilometer", "mile", "inch", "feet", "foot", "yard"],
        ["weight", "mass", "kilogram", "kg", "pound", "lb", "gram", "ounce"],
        ["volume", "liter", "litre", "gallon", "ml", "cup"],
        ["speed", "velocity", "pace", "mph", "kmh", "rate"],
        ["database", "db", "sql", "postgres", "mysql", "sqlite", "table", "record"],
        ["user", "customer", "client", "person", "people", "account", "member", "contact"],
        ["company", "business", "organization", "organisation", "firm", "lead", "leads", "prospect"],
        ["product", "item", "sku", "goods", "inventory", "stock", "catalog", "catalogue"],
        ["order", "purchase", "sale", "sales", "transaction", "checkout", "cart"],
        ["word", "term", "vocabulary", "keyword", "token"],
        ["number", "numeric", "integer", "digit", "figure", "float", "value"],
        ["prime", "primality", "divisor", "factor", "factorization", "factorisation"],
        ["fibonacci", "sequence", "series", "progression"],
        ["factorial", "permutation", "combination", "combinatorics", "choose"],
        ["matrix", "matrices", "vector", "linear algebra", "determinant"],
        ["password", "passphrase", "secret", "pin", "credential"],
        ["qr", "barcode", "qrcode", "qr code"],
        ["color", "colour", "rgb", "hex", "hue", "palette", "shade"],
        ["font", "typeface", "glyph"],
        ["markdown", "md", "readme", "rst"],
        ["uppercase", "upper case", "capitalize", "capitalise", "capital", "caps", "title case"],
        ["lowercase", "lower case", "small letters"],
        ["whitespace", "spaces", "blank", "indentation", "tabs", "padding"],
        ["duplicate", "repeated", "copy", "duplicates", "double"],
        ["sentiment", "emotion", "mood", "tone", "opinion", "positive", "negative", "feeling"],
        ["news", "headline", "article", "feed", "rss", "atom", "blog", "post"],
        ["social", "twitter", "tweet", "facebook", "instagram", "linkedin", "mastodon"],
        ["stock", "share", "ticker", "equity", "market", "portfolio", "quote"],
        ["crypto", "bitcoin", "ethereum", "blockchain", "wallet", "coin"],
        ["ip", "ip address", "dns", "domain", "hostname", "network", "subnet", "cidr"],
        ["port", "socket", "tcp", "udp", "connection"],
        ["certificate", "ssl", "tls", "https", "x509", "expiry"],
        ["disk", "storage", "drive", "space", "filesystem", "folder", "directory", "path"],
        ["cpu", "processor", "memory", "ram", "load", "usage", "utilization", "utilisation", "resource"],
        ["process", "job", "task", "worker", "pipeline", "workflow"],
        ["api", "endpoint", "rest", "webhook", "request", "response", "service"],
        ["queue", "message", "broker", "topic", "kafka", "rabbitmq"],
        ["age", "birthday", "born", "birth", "years old"],
        ["bmi", "body mass", "health", "fitness", "calorie", "calories", "diet", "nutrition"],
        ["recipe", "cooking", "ingredient", "meal", "food", "kitchen"],
        ["grade", "score", "mark", "exam", "student", "school", "gpa"],
        ["tip", "gratuity", "bill", "restaurant", "split"],
        ["roman", "numeral", "numerals"],
        ["binary", "bits", "bit", "base2", "octal", "hexadecimal", "base"],
        ["palindrome", "anagram", "reversed", "backwards"],
        ["vowel", "consonant", "letter", "letters", "alphabet", "character"],
        ["url", "link", "hyperlink", "uri", "href", "shortener", "slug"],
        ["regex", "regular expression", "pattern", "wildcard", "glob"],
        ["uuid", "guid", "identifier", "id", "unique id"],
        ["geometry", "area", "perimeter", "circle", "triangle", "rectangle", "shape", "radius", "polygon"],
        ["percent", "percentage", "proportion", "fraction", "share"],
        ["unit", "units", "measurement", "imperial", "metric"],
        ["invoice", "receipt", "bill", "billing"],
        ["weather", "forecast", "rain", "humidity", "wind", "climate"],
        ["translate", "english", "french", "spanish", "german"],
        ["readability", "reading level", "complexity", "flesch"],
        ["keyword", "keywords", "key phrase", "topic", "topics", "tags"],
        ["entity", "entities", "name", "names", "person", "organization"],
        ["table", "html table", "grid"],
        ["contact", "vcard", "address book"],
    ];

    /// <summary>Concept ids per single word or multi-word phrase (space-joined stems).</summary>
    public static readonly IReadOnlyDictionary<string, int[]> Concepts = Build();

    /// <summary>Number of concept groups (one embedding dimension each).</summary>
    public static int GroupCount => Groups.Length;

    /// <summary>Longest phrase length in words (for phrase matching).</summary>
    public static readonly int MaxPhraseWords = Groups.SelectMany(g => g).Max(p => p.Split(' ').Length);

    private static Dictionary<string, int[]> Build()
    {
        var map = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var g = 0; g < Groups.Length; g++)
        {
            foreach (var phrase in Groups[g])
            {
                var key = string.Join(' ', TextFeatures.Words(phrase).Select(TextFeatures.Stem));
                if (key.Length == 0)
                {
                    continue;
                }

                if (!map.TryGetValue(key, out var list))
                {
                    map[key] = list = [];
                }

                if (!list.Contains(g))
                {
                    list.Add(g);
                }
            }
        }

        return map.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
    }
}
