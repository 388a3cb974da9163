using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Security;

/// <summary>The roles an API key grants. An admin may do whatever a publisher may.</summary>
public static class ApiRoles
{
    public const string Publisher = "publisher";
    public const string Admin = "admin";
}

/// <summary>The configured keys, kept only as SHA-256 hashes; a presented key is hashed and compared in constant time.</summary>
public sealed class ApiKeys
{
    /// <summary>Longer presented keys are refused unhashed (configured keys are far shorter).</summary>
    public const int MaxKeyLength = 512;

    private readonly (byte[] Hash, string Role)[] _keys;

    public ApiKeys(IOptions<AuthOptions> options) =>
        _keys = [.. options.Value.ApiKeys.Select(k => (HashOf(k), k.Role))];

    /// <summary>No keys: the HTTP and hub doors are open (protected mode allows that on loopback only).</summary>
    public bool Configured => _keys.Length > 0;

    /// <summary>The configured key that matches (its position and role), or null for a key that is not configured.</summary>
    public ApiKeyMatch? Match(string presented)
    {
        if (presented.Length is 0 or > MaxKeyLength)
            return null;
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(MaxKeyLength)];
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(presented, utf8)], hash);

        // Compare with every key, without stopping at a match, so the time says nothing about which key or how many.
        ApiKeyMatch? match = null;
        for (var i = 0; i < _keys.Length; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(_keys[i].Hash, hash) && match?.Role != ApiRoles.Admin)
                match = new ApiKeyMatch(i, _keys[i].Role);
        }
        return match;
    }

    private static byte[] HashOf(ApiKeyEntry entry) => entry.Key is { } key
        ? SHA256.HashData(Encoding.UTF8.GetBytes(key))
        : Convert.FromHexString(entry.KeyHash!);
}

/// <summary>A presented key's entry in Auth:ApiKeys: its position (which names the client without the key) and its role.</summary>
public sealed record ApiKeyMatch(int Index, string Role);
