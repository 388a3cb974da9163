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

    [Theory]
    [InlineData("a\u200B@example.com")]
    [InlineData("a@exa\u200Cmple.com")]
    [InlineData("a\u200D@example.com")]
    [InlineData("a\u2060@example.com")]
    [InlineData("\uFEFFa@example.com")]
    [InlineData("a\u202E@example.com")]
    [InlineData("a@example\u202A.com")]
    [InlineData("a\u2066b\u2069@example.com")]
    [InlineData("a\u200F@example.com")]
    [InlineData("a\u0007@example.com")]
    [InlineData("a\u0085@example.com")]
    [InlineData("a\u00AD@example.com")]
    public void RefusesAddressesWithControlZeroWidthOrBidirectionalCharacters(string email)
    {
        var error = _validator.CheckEmail(email);

        Assert.NotNull(error);
        Assert.Equal("email", error.Field);
        Assert.DoesNotMatch(@"[\p{Cc}\p{Cf}]", error.Message); // the echo shows them escaped
    }

    [Theory]
    [InlineData("jos\u00e9@example.com")]
    [InlineData("user@b\u00fccher.example")]
    [InlineData("\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a")]
    [InlineData("jose\u0301@bu\u0308cher.example")] // decomposed letters: accepted, not normalized (see CheckEmail)
    public void AcceptsInternationalizedAddresses(string email) => Assert.Null(_validator.CheckEmail(email));

    [Theory]
    [InlineData("user@\u0308bucher.example")]
    [InlineData("user@b\uE000cher.example")]
    [InlineData("user@b\u0378cher.example")]
    [InlineData("user@exa.m\u2028ple.com")]
    [InlineData("user@exa_mple.com")]
    [InlineData("user@-example.com")]
    [InlineData("user@[192.0.2.1]")]
    public void RefusesDomainsThatBreakTheLabelRules(string email) => Assert.NotNull(_validator.CheckEmail(email));

    [Fact]
    public void AnErrorEchoesAtMostAShortEscapedPrefixOfTheInput()
    {
        Assert.NotNull(_validator.CheckEmail("a\uD800@example.com")); // a lone surrogate (InlineData cannot carry one)
        Assert.Equal("React", Echo.Of("React"));
        Assert.Equal(new string('x', Echo.MaxChars) + "...", Echo.Of(new string('x', 65_000)));
        Assert.Equal("a\\u000Ab\\u202Ec\\uD800", Echo.Of("a\nb\u202Ec\uD800"));
        Assert.Equal("\U0001F600", Echo.Of("\U0001F600")); // a pair of surrogates is one character, kept
        Assert.Equal("x\\u2028y\\U000E0001", Echo.Of("x\u2028y\U000E0001")); // separators and formatting characters beyond the BMP too

        var error = _validator.CheckEmail(new string('a', 200) + "\u0000@example.com");
        Assert.NotNull(error);
        Assert.True(error.Message.Length < 200, error.Message);
    }
}
