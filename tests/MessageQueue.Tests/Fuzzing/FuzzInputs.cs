using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace MessageQueue.Tests.Fuzzing;

/// <summary>
/// Seeded inputs for the fuzz tests: random bytes, mutations of valid requests, invalid UTF-8, deep nesting and
/// odd JSON values. The same seed gives the same inputs in the same order, so a failure reproduces.
/// </summary>
internal sealed class FuzzInputs(int seed)
{
    /// <summary>Byte sequences that are never valid UTF-8: stray continuation, overlong, surrogate, beyond U+10FFFF, truncated.</summary>
    public static readonly byte[][] InvalidUtf8 =
    [
        [0x80], [0xBF], [0xFF], [0xFE], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80],
        [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80],
        [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
    ];

    /// <summary>JSON values of every kind, the awkward ones included.</summary>
    public static readonly string[] OddValues =
    [
        "null", "true", "false", "0", "-0", "1", "3", "1.5", "-1", "1e999999", "-1e-999999", "123456789012345678901234567890",
        "9223372036854775808", "-9223372036854775809", "0.00000000000000000000000000001", "{}", "[]", "[\"1\"]",
        "{\"type\":\"1\"}", "\"\"", "\" \"", "\"1 \"", "\" 1\"", "\"01\"", "\"\\u0031\"", "\"１\"", "\"\\u0000\"",
        "\"\\ud800\"", "\"\\udc00x\"", "\"\\uDBFF\\uDFFF\"", "\"𝄞\"", "\"a\\nb\"", "\"\\\"\"", "\"React\"", "\"5\"", "\"0\"",
    ];

    private static readonly byte[] Structural = "{}[]\":,\\ \t\r\n0123456789-+.eEtrufalsn"u8.ToArray();

    public Random Random { get; } = new(seed);

    public int Seed => seed;

    public int Next(int maxExclusive) => Random.Next(maxExclusive);

    public int Next(int min, int maxExclusive) => Random.Next(min, maxExclusive);

    public bool Chance(double probability) => Random.NextDouble() < probability;

    public T Pick<T>(IReadOnlyList<T> items) => items[Random.Next(items.Count)];

    public byte[] Bytes(int minLength, int maxLength)
    {
        var bytes = new byte[Random.Next(minLength, maxLength + 1)];
        Random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Bytes that look a little like JSON: mostly structural characters, some random.</summary>
    public byte[] JsonishBytes(int maxLength)
    {
        var bytes = new byte[Random.Next(1, maxLength + 1)];
        for (var i = 0; i < bytes.Length; i++)
            bytes[i] = Chance(0.8) ? Pick(Structural) : (byte)Random.Next(256);
        return bytes;
    }

    /// <summary>Text of <paramref name="length"/> characters drawn from ASCII, Latin, CJK, emoji and controls.</summary>
    public string Text(int length)
    {
        var text = new StringBuilder(length);
        while (text.Length < length)
        {
            switch (Random.Next(6))
            {
                case 0: text.Append((char)Random.Next(0x20, 0x7F)); break;
                case 1: text.Append((char)Random.Next(0xA0, 0x250)); break;
                case 2: text.Append((char)Random.Next(0x4E00, 0x9FFF)); break;
                case 3: text.Append(char.ConvertFromUtf32(Random.Next(0x1F600, 0x1F64F))); break;
                case 4: text.Append((char)Random.Next(0, 0x20)); break;
                default: text.Append((char)Random.Next(0x61, 0x7B)); break;
            }
        }
        return text.ToString();
    }

    /// <summary>One to three random edits of <paramref name="valid"/>: truncation, bit flips, inserted, deleted or repeated bytes.</summary>
    public byte[] Mutate(byte[] valid)
    {
        var bytes = new List<byte>(valid);
        var edits = Random.Next(1, 4);
        for (var e = 0; e < edits; e++)
        {
            var at = bytes.Count == 0 ? 0 : Random.Next(bytes.Count);
            switch (Random.Next(8))
            {
                case 0 when bytes.Count > 0:
                    bytes.RemoveRange(at, bytes.Count - at); // truncate
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << Random.Next(8)); // flip a bit
                    break;
                case 2 when bytes.Count > 0:
                    bytes[at] = Chance(0.6) ? Pick(Structural) : (byte)Random.Next(256);
                    break;
                case 3:
                    bytes.Insert(at, Chance(0.6) ? Pick(Structural) : (byte)Random.Next(256));
                    break;
                case 4 when bytes.Count > 0:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, Random.Next(1, 8)));
                    break;
                case 5 when bytes.Count > 0:
                    var length = Math.Min(bytes.Count - at, Random.Next(1, 16));
                    bytes.InsertRange(at, bytes.GetRange(at, length)); // repeat a piece
                    break;
                case 6:
                    bytes.InsertRange(at, Pick(InvalidUtf8));
                    break;
                default:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(Pick(OddValues)));
                    break;
            }
        }
        return [.. bytes];
    }
}

/// <summary>Counts the inputs tried per door and category, and shows inputs readably in failure messages.</summary>
internal sealed class FuzzReport(ITestOutputHelper output, string door, int seed)
{
    private readonly SortedDictionary<string, (int Count, TimeSpan Time)> _counts = new(StringComparer.Ordinal);
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private string? _current;
    private TimeSpan _since;

    public int Total { get; private set; }

    /// <summary>Counts one input; the time until the next one is charged to its category.</summary>
    public void Tried(string category)
    {
        Charge();
        _current = category;
        var (count, time) = _counts.GetValueOrDefault(category);
        _counts[category] = (count + 1, time);
        Total++;
    }

    private void Charge()
    {
        var now = _elapsed.Elapsed;
        if (_current is not null)
            _counts[_current] = (_counts[_current].Count, _counts[_current].Time + (now - _since));
        _since = now;
    }

    /// <summary>Writes "inputs tried" per category and in all, with the seed and the time taken.</summary>
    public void Write()
    {
        Charge();
        _current = null;
        var categories = string.Join(", ", _counts.Select(c => $"{c.Key} {c.Value.Count} ({c.Value.Time.TotalSeconds:F1} s)"));
        var time = _counts.Values.Sum(c => c.Time.TotalSeconds);
        output.WriteLine($"FUZZ {door}: {Total} inputs tried in {time:F1} s (seed {seed}): {categories}");
    }

    /// <summary>A failure message that names the seed, the input's index and category, and shows the input.</summary>
    public string Failure(string category, string problem, byte[] input) =>
        $"{door} fuzz, seed {seed}, input #{Total} ({category}, {input.Length} bytes): {problem}\ninput: {Show(input)}";

    public string Failure(string category, string problem, string input) =>
        Failure(category, problem, Encoding.UTF8.GetBytes(input));

    /// <summary>Printable ASCII as is, everything else escaped; long inputs shortened in the middle.</summary>
    public static string Show(ReadOnlySpan<byte> input)
    {
        const int Shown = 400;
        var text = new StringBuilder();
        for (var i = 0; i < input.Length; i++)
        {
            if (input.Length > Shown && i == Shown / 2)
            {
                text.Append(CultureInfo.InvariantCulture, $"...<{input.Length - Shown} bytes>...");
                i = input.Length - Shown / 2;
            }
            var b = input[i];
            if (b is >= 0x20 and < 0x7F && b != '\\')
                text.Append((char)b);
            else
                text.Append(CultureInfo.InvariantCulture, $"\\x{b:X2}");
        }
        return text.ToString();
    }
}
