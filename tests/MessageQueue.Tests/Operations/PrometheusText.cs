using System.Globalization;

namespace MessageQueue.Tests.Operations;

/// <summary>Reads values out of a Prometheus text exposition (what /metrics answers).</summary>
internal static class PrometheusText
{
    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include every given one; 0 when there is none.</summary>
    public static double Value(string text, string name, params (string Label, string Value)[] labels)
    {
        double sum = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal))
                continue;
            var rest = line[name.Length..];
            var labelText = "";
            if (rest.StartsWith('{'))
            {
                var end = rest.IndexOf('}', StringComparison.Ordinal);
                labelText = rest[1..end];
                rest = rest[(end + 1)..];
            }
            else if (!rest.StartsWith(' '))
            {
                continue; // a longer name that starts with this one
            }
            if (labels.All(l => labelText.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal)))
                sum += double.Parse(rest.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        return sum;
    }
}
