namespace MessageQueue.Shared;

/// <summary>Checks a CurveZMQ key written in Z85 (ZeroMQ RFC 32): 40 characters that decode to 32 bytes.</summary>
internal static class Z85Key
{
    public const int Length = 40;

    private const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

    /// <summary>What is wrong with <paramref name="key"/>, or null if nothing is. Never quotes the key, which may be secret.</summary>
    public static string? Problem(string key)
    {
        if (key.Length != Length)
            return $"is {key.Length} characters long, not the {Length} of a Z85 key";
        for (var group = 0; group < Length; group += 5)
        {
            ulong value = 0;
            for (var i = group; i < group + 5; i++)
            {
                var digit = Alphabet.IndexOf(key[i], StringComparison.Ordinal);
                if (digit < 0)
                    return $"has a character outside the Z85 alphabet at position {i + 1}";
                value = (value * 85) + (ulong)digit;
            }
            if (value > uint.MaxValue)
                return $"has characters {group + 1}-{group + 5} that Z85 cannot decode";
        }
        return null;
    }
}
