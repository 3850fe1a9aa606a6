using System.Text;

namespace ScriptPlatform.Sandbox.Supervision;

/// <summary>
/// Turns a job's output chunks into lines for the caller's callback, counts bytes against the output
/// limit, and keeps only the tail of each stream for the result.
/// </summary>
internal sealed class OutputCollector(int tailChars, long limitBytes, Action<OutputLine>? onLine)
{
    private readonly Lock _lock = new();
    private readonly StreamState _stdout = new(tailChars);
    private readonly StreamState _stderr = new(tailChars);

    public long TotalBytes { get; private set; }

    /// <summary>Called once, when the output first goes over the limit.</summary>
    public Action? LimitExceeded { get; set; }

    public bool OverLimit => TotalBytes > limitBytes;

    public bool Truncated => _stdout.Truncated || _stderr.Truncated;

    public string StdoutTail => _stdout.TailText;

    public string StderrTail => _stderr.TailText;

    public void Add(OutputStream stream, ReadOnlySpan<byte> chunk)
    {
        lock (_lock)
        {
            var wasOver = OverLimit;
            TotalBytes += chunk.Length;
            if (OverLimit && !wasOver)
            {
                LimitExceeded?.Invoke();
            }
            var target = stream == OutputStream.Stdout ? _stdout : _stderr;
            var chars = new char[target.Decoder.GetCharCount(chunk, flush: false)];
            target.Decoder.GetChars(chunk, chars, flush: false);
            foreach (var c in chars)
            {
                if (c == '\n')
                {
                    EmitLine(stream, target);
                }
                else
                {
                    target.Pending.Append(c);
                    if (target.Pending.Length >= tailChars)
                    {
                        EmitLine(stream, target); // an endless line still reaches the caller in pieces
                    }
                }
            }
        }
    }

    /// <summary>Emits lines that did not end with a newline.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            if (_stdout.Pending.Length > 0)
            {
                EmitLine(OutputStream.Stdout, _stdout);
            }

            if (_stderr.Pending.Length > 0)
            {
                EmitLine(OutputStream.Stderr, _stderr);
            }
        }
    }

    private void EmitLine(OutputStream stream, StreamState target)
    {
        var line = target.Pending.ToString();
        target.Pending.Clear();
        target.Append(line);
        onLine?.Invoke(new OutputLine(stream, line));
    }

    private sealed class StreamState(int tailChars)
    {
        public Decoder Decoder { get; } = Encoding.UTF8.GetDecoder();

        public StringBuilder Pending { get; } = new();

        public StringBuilder Tail { get; } = new();

        private bool _trimmed;

        public bool Truncated => _trimmed || Tail.Length > tailChars;

        public string TailText => Tail.Length > tailChars ? Tail.ToString(Tail.Length - tailChars, tailChars) : Tail.ToString();

        public void Append(string line)
        {
            Tail.Append(line).Append('\n');
            // Trimming only at twice the cap keeps a flood of short lines linear.
            if (Tail.Length > 2 * tailChars)
            {
                Tail.Remove(0, Tail.Length - tailChars);
                _trimmed = true;
            }
        }
    }
}
