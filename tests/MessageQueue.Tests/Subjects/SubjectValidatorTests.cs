using MessageQueue.Gateway.Subjects;
using Microsoft.Extensions.Options;

namespace MessageQueue.Tests.Subjects;

public sealed class SubjectValidatorTests
{
    private readonly SubjectValidator _validator = new(Options.Create(new SubjectOptions { MaxNameLength = 16, MaxUpdateBytes = 8 }));

    [Theory]
    [InlineData("React")]
    [InlineData("Node.js")]
    [InlineData("spring_boot-3")]
    [InlineData("9lives")]
    public void AcceptsSubjectNamesThatAreSafeAsTopicsAndInUrls(string name) => Assert.Null(_validator.CheckName(name));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Re act")]
    [InlineData("React\n")]
    [InlineData("-React")]
    [InlineData(".hidden")]
    [InlineData("Réact")]
    [InlineData("a/b")]
    [InlineData("ThisNameIsFarTooLong")]
    public void RefusesOtherSubjectNames(string? name)
    {
        var error = _validator.CheckName(name);

        Assert.NotNull(error);
        Assert.Equal(SubjectErrorKind.Invalid, error.Kind);
        Assert.Equal("subject", error.Field);
    }

    [Theory]
    [InlineData("a@b.com")]
    [InlineData("first.last+tag@sub.example.org")]
    [InlineData("o'brien@example.ie")]
    public void AcceptsBareAddresses(string email) => Assert.Null(_validator.CheckEmail(email));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("a@b")]
    [InlineData("@example.com")]
    [InlineData("a@@example.com")]
    [InlineData("a b@example.com")]
    [InlineData("Bob <bob@example.com>")]
    [InlineData("a@example.com, b@example.com")]
    [InlineData("a@example.com.")]
    public void RefusesAnythingButOneBareAddress(string? email)
    {
        var error = _validator.CheckEmail(email);

        Assert.NotNull(error);
        Assert.Equal("email", error.Field);
    }

    [Fact]
    public void RefusesAddressesLongerThanSmtpAllows() =>
        Assert.NotNull(_validator.CheckEmail(new string('a', 250) + "@b.co"));

    [Theory]
    [InlineData("12345678", true)]
    [InlineData("123456789", false)]
    [InlineData("ééé", true)]
    [InlineData("éééé\u00e9", false)]
    [InlineData("", false)]
    [InlineData(" \n ", false)]
    public void UpdateTextMustBeNonEmptyAndWithinTheByteLimit(string text, bool accepted) =>
        Assert.Equal(accepted, _validator.CheckUpdateText(text) is null);
}
