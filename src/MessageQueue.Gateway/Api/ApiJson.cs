using System.Text.Json;
using System.Text.Json.Serialization;

namespace MessageQueue.Gateway.Api;

/// <summary>The JSON of the HTTP API: web defaults, enums as camel-case strings ("rest", not 1).</summary>
internal static class ApiJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        return options;
    }
}
