using System.Collections;
using System.Text;

namespace ScriptPlatform.Grpc;

/// <summary>
/// Ordered gRPC metadata (custom headers or trailers). Keys are lower-case; keys ending in "-bin" carry
/// bytes and travel base64-encoded, every other value is ASCII text. A key may appear more than once.
/// </summary>
public sealed class Metadata : IReadOnlyList<Metadata.Entry>
{
    public const string BinarySuffix = "-bin";

    private readonly List<Entry> _entries = [];

    public int Count => _entries.Count;

    public Entry this[int index] => _entries[index];

    /// <summary>The text value of the last entry with this key, or null.</summary>
    public string? this[string key] => Get(key)?.Value;

    public Metadata Add(string key, string value)
    {
        _entries.Add(new Entry(key, value));
        return this;
    }

    public Metadata Add(string key, byte[] value)
    {
        _entries.Add(new Entry(key, value));
        return this;
    }

    public Metadata Add(Entry entry)
    {
        _entries.Add(entry);
        return this;
    }

    /// <summary>The last entry with this key (case-insensitive), or null.</summary>
    public Entry? Get(string key)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return _entries[i];
            }
        }

        return null;
    }

    public string? GetValue(string key) => Get(key)?.Value;

    public byte[]? GetValueBytes(string key) => Get(key)?.ValueBytes;

    public IEnumerable<Entry> GetAll(string key) =>
        _entries.Where(e => string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase));

    public bool Remove(Entry entry) => _entries.Remove(entry);

    public IEnumerator<Entry> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>One key/value pair. Text entries expose <see cref="Value"/>, binary ones <see cref="ValueBytes"/>.</summary>
    public sealed class Entry
    {
        private readonly string? _text;
        private readonly byte[]? _bytes;

        public Entry(string key, string value)
        {
            Key = NormalizeKey(key);
            if (IsBinaryKey(Key))
            {
                throw new ArgumentException($"Metadata key '{Key}' ends in '{BinarySuffix}' and needs a byte[] value.", nameof(key));
            }

            ArgumentNullException.ThrowIfNull(value);
            foreach (var c in value)
            {
                // Header values are printable ASCII (PROTOCOL-HTTP2.md, ASCII-Value).
                if (c < 0x20 || c > 0x7E)
                {
                    throw new ArgumentException($"Metadata value of '{Key}' must be printable ASCII.", nameof(value));
                }
            }

            _text = value;
        }

        public Entry(string key, byte[] value)
        {
            Key = NormalizeKey(key);
            if (!IsBinaryKey(Key))
            {
                throw new ArgumentException($"Binary metadata key '{Key}' must end in '{BinarySuffix}'.", nameof(key));
            }

            _bytes = value ?? throw new ArgumentNullException(nameof(value));
        }

        public string Key { get; }

        public bool IsBinary => _bytes is not null;

        /// <summary>The text value; for a binary entry its base64 form (what travels on the wire).</summary>
        public string Value => _text ?? Convert.ToBase64String(_bytes!);

        /// <summary>The bytes; for a text entry its ASCII bytes.</summary>
        public byte[] ValueBytes => _bytes ?? Encoding.ASCII.GetBytes(_text!);

        public override string ToString() => $"{Key}={Value}";

        private static string NormalizeKey(string key)
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
            var lower = key.ToLowerInvariant();
            foreach (var c in lower)
            {
                if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.'))
                {
                    throw new ArgumentException($"Metadata key '{key}' may only contain a-z, 0-9, '-', '_' and '.'.", nameof(key));
                }
            }

            return lower;
        }
    }

    internal static bool IsBinaryKey(string key) => key.EndsWith(BinarySuffix, StringComparison.OrdinalIgnoreCase);
}
