using MessageQueue.Gateway.Storage;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Subjects;

public static class SubjectsExtensions
{
    /// <summary>The core: validation, the in-memory catalog and the application service every door calls.</summary>
    public static IHostApplicationBuilder AddSubjects(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SubjectOptions>().BindConfiguration(SubjectOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SubjectValidator>();
        builder.Services.AddSingleton(sp => new ContentWindow(sp.GetRequiredService<IOptions<SubjectOptions>>().Value.MaxContentBytes));
        builder.Services.AddSingleton<SubjectCatalog>();
        builder.Services.AddSingleton<SubjectHistory>();
        builder.Services.AddSingleton<ISubjectStore, SubjectStore>();
        builder.Services.AddSingleton(sp => new SubjectService(
            sp.GetRequiredService<SubjectCatalog>(),
            sp.GetRequiredService<ISubjectStore>(),
            sp.GetRequiredService<SubjectValidator>()));
        builder.Services.AddSingleton<SubjectResume>();
        return builder;
    }
}
