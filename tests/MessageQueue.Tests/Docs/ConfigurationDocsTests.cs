using System.Collections;
using System.Reflection;
using MessageQueue.Gateway.Hosting;
using MessageQueue.Gateway.Storage;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Docs;

/// <summary>Every setting the gateway binds is documented in docs/configuration.md, so none can be added silently.</summary>
public sealed class ConfigurationDocsTests
{
    private static string ConfigurationPage => Path.Combine(RepositoryPaths.Root, "docs", "configuration.md");

    [Fact]
    public void EveryBoundSettingAppearsInTheConfigurationPage()
    {
        var page = File.ReadAllText(ConfigurationPage);
        var missing = BoundKeys().Where(key => !page.Contains($"`{key}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0,
            $"docs/configuration.md does not name these settings (write each as `Section:Key` in its section's table):\n{string.Join('\n', missing)}");
    }

    [Fact]
    public void TheKeysAreFoundByReflectionOverEveryOptionsClass()
    {
        var keys = BoundKeys();
        // A few of each shape: a plain value, a nested option object, a list of option objects, a list of values,
        // and the settings read outside any options class.
        Assert.Contains("Zmq:ReplyEndpoint", keys);
        Assert.Contains("Zmq:Curve:ServerSecretKey", keys);
        Assert.Contains("Auth:ApiKeys:N:Key", keys);
        Assert.Contains("Auth:ApiKeys:N:Role", keys);
        Assert.Contains("Cors:AllowedOrigins", keys);
        Assert.Contains("DefaultUrls", keys);
        Assert.Contains("ConnectionStrings:MessageQueue", keys);
        Assert.DoesNotContain("Zmq:Curve", keys);
        Assert.DoesNotContain("Zmq:Curve:Enabled", keys); // read-only: nothing binds it
        Assert.True(keys.Count > 50, $"Only {keys.Count} keys were found.");
    }

    /// <summary>
    /// Every key bound from configuration: for each public class of the gateway with a <c>public const string SectionName</c>,
    /// its public settable properties; a nested option class extends the key with ':', a list of option classes shows
    /// as <c>Section:Name:N:Property</c>. Plus the two keys read without an options class.
    /// </summary>
    public static IReadOnlyList<string> BoundKeys()
    {
        var keys = new List<string> { HttpDefaults.DefaultUrlsKey, $"ConnectionStrings:{StorageExtensions.ConnectionStringName}" };
        foreach (var options in typeof(Program).Assembly.GetExportedTypes().Where(t => t.IsClass))
        {
            if (options.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field
                && field.GetRawConstantValue() is string section)
                AddKeys(options, section, keys);
        }
        return keys;
    }

    private static void AddKeys(Type options, string prefix, List<string> keys)
    {
        foreach (var property in options.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0)
                continue;
            var key = $"{prefix}:{property.Name}";
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsValue(type))
                keys.Add(key);
            else if (ItemType(type) is { } item)
            {
                if (IsValue(item))
                    keys.Add(key);
                else
                    AddKeys(item, key + ":N", keys);
            }
            else
                AddKeys(type, key, keys);
        }
    }

    private static bool IsValue(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal)
        || type == typeof(TimeSpan) || type == typeof(Uri) || type == typeof(DateTimeOffset);

    private static Type? ItemType(Type type) =>
        type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type) ? null
        : type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
}
