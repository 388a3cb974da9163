using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.ScaleOut;

/// <summary>This process among the instances: its configured name, and an id of its own that two instances given one name do not share.</summary>
internal sealed class ThisInstance(IOptions<InstanceOptions> options, TimeProvider clock)
{
    public string Name { get; } = options.Value.Name;

    public string Id { get; } = Guid.NewGuid().ToString("N");

    public DateTimeOffset StartedAt { get; } = clock.GetUtcNow();
}
