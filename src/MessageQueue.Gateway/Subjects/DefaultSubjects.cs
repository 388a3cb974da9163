namespace MessageQueue.Gateway.Subjects;

/// <summary>The four subjects the original server started with; seeded by the first migration.</summary>
public static class DefaultSubjects
{
    public static readonly DateTimeOffset SeededAt = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);

    public static readonly IReadOnlyList<(string Name, string Description)> All =
    [
        ("SpringBoot", "Spring Boot makes it easy to create stand-alone, production-grade Spring based applications. It takes an opinionated view of the Spring platform so that you can get started with minimum fuss."),
        ("NodeJs", "Node.js is an open-source, cross-platform JavaScript runtime environment. It runs JavaScript outside a browser on the V8 engine, with an event-driven, non-blocking I/O model."),
        ("React", "React is a JavaScript library for building user interfaces. It lets you compose complex UIs from small, isolated pieces of code called components."),
        ("Django", "Django is a high-level Python web framework that encourages rapid development and clean, pragmatic design. It takes care of much of the hassle of web development, so you can focus on writing your app."),
    ];
}
