using System.Security.Cryptography;
using System.Text;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Security;

/// <summary>A gateway with two API keys: a publisher's given as the key, an admin's given only as its SHA-256.</summary>
public sealed class KeyedGateway : GatewayFactory
{
    public const string PublisherKey = "publisher-key-0123456789";
    public const string AdminKey = "admin-key-9876543210abcdef";

    public KeyedGateway()
        : base(null, new Dictionary<string, string?>
        {
            ["Auth:ApiKeys:0:Key"] = PublisherKey,
            ["Auth:ApiKeys:0:Role"] = "publisher",
            ["Auth:ApiKeys:1:KeyHash"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(AdminKey))),
            ["Auth:ApiKeys:1:Role"] = "admin",
        })
    {
    }

    public HttpClient ClientWithKey(string? key)
    {
        var http = CreateClient();
        if (key is not null)
            http.DefaultRequestHeaders.Add("X-Api-Key", key);
        return http;
    }
}
