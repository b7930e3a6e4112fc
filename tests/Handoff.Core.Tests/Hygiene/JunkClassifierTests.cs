using Handoff.Hygiene;

namespace Handoff.Core.Tests.Hygiene;

public class JunkClassifierTests
{
    private static readonly JunkClassifier Classifier = JunkClassifier.Shipped;

    /// <summary>A clean lead that each test bends in one way.</summary>
    private static JunkCheckInput Clean(string? first = "Ada", string? last = "Lovelace") => new()
    {
        FirstName = first,
        LastName = last,
        Email = "ada.lovelace@analytical-engines.co.uk",
        Company = "Analytical Engines Ltd",
        Title = "Head of Marketing Operations",
        Description = "We route about 2,000 inbound leads a month and need faster follow-up.",
    };

    private static void AssertJunk(JunkCheckInput input, string reason, string? field = null, string? detail = null)
    {
        var verdict = Classifier.Classify(input);
        Assert.NotNull(verdict);
        Assert.Equal(reason, verdict.Reason);
        if (field is not null)
        {
            Assert.Equal(field, verdict.Field);
        }

        if (detail is not null)
        {
            Assert.Equal(detail, verdict.Detail);
        }
    }

    private static void AssertClean(JunkCheckInput input)
    {
        var verdict = Classifier.Classify(input);
        Assert.True(verdict is null, $"expected clean, got {verdict}");
    }

    [Fact]
    public void Classify_ACleanLead_IsNotJunk() => AssertClean(Clean());

    [Fact]
    public void Classify_AnEmptyLead_IsNotJunk() => AssertClean(new JunkCheckInput());

    [Fact]
    public void Classify_FreeWebmail_IsNotJunk() =>
        AssertClean(Clean() with { Email = "ada.lovelace@gmail.com" });

    // Honeypot.

    [Fact]
    public void Classify_FilledHoneypot_IsSpam() =>
        AssertJunk(Clean() with { HoneypotFilled = true }, JunkReasons.Spam, detail: "honeypot field filled");

    // Disposable email.

    [Theory]
    [InlineData("ada@mailinator.com", "disposable domain mailinator.com")]
    [InlineData("ada@Mail.Foo.Mailinator.com", "disposable domain mail.foo.mailinator.com")]
    [InlineData("ada@0-180.com", "disposable domain 0-180.com")]
    public void Classify_DisposableDomain_IsDisposableEmail(string email, string detail) =>
        AssertJunk(Clean() with { Email = email }, JunkReasons.DisposableEmail, "email", detail);

    [Fact]
    public void Classify_DisposableDomainLookalike_IsNotJunk() =>
        AssertClean(Clean() with { Email = "ada@mailinator.com.analytical-engines.co.uk" });

    // Links and markup.

    [Theory]
    [InlineData("http://cheap-pills.example", null, "firstName")]
    [InlineData("Ada", "visit www.spam.biz", "lastName")]
    [InlineData("<a href=\"x\">Ada</a>", null, "firstName")]
    [InlineData("Ada<script>alert(1)</script>", null, "firstName")]
    [InlineData("[url=http://x.biz]Ada[/url]", null, "firstName")]
    public void Classify_UrlOrMarkupInAName_IsSpam(string first, string? last, string field) =>
        AssertJunk(Clean(first, last ?? "Lovelace"), JunkReasons.Spam, field);

    [Fact]
    public void Classify_UrlInFirstName_SaysSo() =>
        AssertJunk(Clean("https://x.biz/win"), JunkReasons.Spam, "firstName", "URL or markup in first name");

    [Theory]
    [InlineData("Best deals at http://cheap.biz/deal?id=1")]
    [InlineData("Acme <b>Corp</b>")]
    [InlineData("[url]http://x.biz[/url]")]
    public void Classify_UrlOrMarkupInTheCompany_IsSpam(string company) =>
        AssertJunk(Clean() with { Company = company }, JunkReasons.Spam, "company");

    [Theory]
    [InlineData("www.analytical-engines.co.uk")]
    [InlineData("https://analytical-engines.co.uk/")]
    [InlineData("Booking.com")]
    [InlineData("Salesforce.com, Inc.")]
    public void Classify_AWebsiteTypedAsTheCompany_IsNotJunk(string company) =>
        AssertClean(Clean() with { Company = company });

    [Theory]
    [InlineData("Great product! <a href=\"http://x.biz\">click</a>")]
    [InlineData("[url=http://x.biz]cheap[/url]")]
    public void Classify_MarkupInTheDescription_IsSpam(string description) =>
        AssertJunk(Clean() with { Description = description }, JunkReasons.Spam, "description");

    [Fact]
    public void Classify_APlainLinkInTheDescription_IsNotJunk() =>
        AssertClean(Clean() with { Description = "Our site is https://analytical-engines.co.uk, 40 reps, Salesforce." });

    // Test entries.

    [Theory]
    [InlineData("test@test.com", "email")]
    [InlineData("ada@example.com", "email")]
    [InlineData("ada@mail.example.org", "email")]
    [InlineData("ada@example.co.uk", "email")]
    [InlineData("ada@acme.test", "email")]
    [InlineData("test@analytical-engines.co.uk", "email")]
    [InlineData("test123@analytical-engines.co.uk", "email")]
    [InlineData("asdf@analytical-engines.co.uk", "email")]
    public void Classify_TestAddress_IsTest(string email, string field) =>
        AssertJunk(Clean() with { Email = email }, JunkReasons.Test, field);

    [Theory]
    [InlineData("Test", "Test", "firstName")]
    [InlineData("Ada", "Test", "lastName")]
    [InlineData("asdf", "asdf", "firstName")]
    [InlineData("Testing", "Lovelace", "firstName")]
    [InlineData("Dummy", "User", "firstName")]
    public void Classify_TestName_IsTest(string first, string last, string field) =>
        AssertJunk(Clean(first, last), JunkReasons.Test, field);

    [Theory]
    [InlineData("Test")]
    [InlineData("test company")]
    [InlineData("Test Inc.")]
    [InlineData("asdf")]
    public void Classify_TestCompany_IsTest(string company) =>
        AssertJunk(Clean() with { Company = company }, JunkReasons.Test, "company");

    [Theory]
    [InlineData("Jon", "Tester")]
    [InlineData("Testa", "Rossi")]
    [InlineData("Ada", "Contest")]
    public void Classify_NamesThatContainTest_AreNotJunk(string first, string last) =>
        AssertClean(Clean(first, last));

    [Theory]
    [InlineData("Testwell Labs")]
    [InlineData("TestRail Partners")]
    [InlineData("Test Automation Guild")]
    [InlineData("contest.io")]
    public void Classify_CompaniesThatContainTest_AreNotJunk(string company) =>
        AssertClean(Clean() with { Company = company });

    // Gibberish names.

    [Theory]
    [InlineData("asdfgh", "keyboard mash")]
    [InlineData("Qwerty", "keyboard mash")]
    [InlineData("Hjkl", "keyboard mash")]
    [InlineData("zxcvbn", "keyboard mash")]
    [InlineData("sdfsdf", "keyboard mash")]
    [InlineData("Asdasd", "keyboard mash")]
    [InlineData("kjhkjh", "keyboard mash")]
    [InlineData("Bcdfgh", "no vowels")]
    [InlineData("Xkcdqz", "no vowels")]
    [InlineData("Aaaaron", "a character repeated")]
    [InlineData("Joooohn", "a character repeated")]
    [InlineData("xKqZpWv", "random mixed case")]
    [InlineData("aBcDe", "random mixed case")]
    [InlineData("John3", "digits")]
    [InlineData("R2D2", "digits")]
    public void Classify_GibberishFirstName_IsSpam(string first, string why) =>
        AssertJunk(Clean(first), JunkReasons.Spam, "firstName", $"{why} in first name \"{first}\"");

    [Fact]
    public void Classify_GibberishLastName_IsSpam() =>
        AssertJunk(Clean("Ada", "Lovelace Ghjklm"), JunkReasons.Spam, "lastName");

    /// <summary>Real first and last names from many languages and scripts: none may be called junk.</summary>
    public static TheoryData<string> RealNames() =>
    [
        "O'Brien", "O’Neill", "Nguyễn", "Zoë", "Jean-Luc", "Xi", "Li", "Wu", "Ng", "Ngo", "Ly", "Vu", "Yu", "Ma", "Ho",
        "Björk", "Søren", "Åsa", "Øystein", "José", "María", "François", "Müller", "Schröder", "Łukasz", "Wójcik",
        "Szczepański", "Krzysztof", "Przybylski", "Brzęczyszczykiewicz", "Grzegorz", "Strzelczyk", "Dvořák", "Černý",
        "Mkrtchyan", "Hovhannisyan", "Shcherbakov", "Tkachenko", "Zhang", "Xiao", "Qiu", "Zhou", "Huang", "Kwon", "Park",
        "Choi", "Nakamura", "Takahashi", "Ryu", "Nnamdi", "Chukwuemeka", "Ngozi", "Oluwaseun", "Mbappé", "Nkosi",
        "Ndlovu", "Mthembu", "Tshabalala", "Dlamini", "Ngcobo", "Nwankwo", "Al-Sayed", "Abdul-Jabbar", "Siddiqui",
        "Chaudhry", "Bhattacharya", "Venkataraghavan", "Subrahmanyam", "Thirunavukkarasu", "Llewellyn", "Llwyd",
        "Gwyn", "Rhys", "Bryn", "Flynn", "Siobhán", "Niamh", "Caoimhe", "Aoife", "Ó Súilleabháin", "MacDonald",
        "McAllister", "DeShawn", "LaToya", "DiCaprio", "D'Angelo", "VanDerBeek", "DeLaCruz", "van der Berg",
        "de la Cruz", "dos Santos", "Ibáñez", "Gonçalves", "João", "Guðmundsdóttir", "Þór", "Hämäläinen", "Kääriäinen",
        "Aaltonen", "Leeuwenhoek", "Schwarzschild", "Mary-Kate", "St. John", "Ertz", "Wert", "Trew", "Tester",
        "Щербаков", "Παπαδόπουλος", "王伟", "佐藤", "김민준", "محمد", "כהן", "प्रिया", "สมชาย", "Jr.", "Sr.", "III",
        "Queen", "Qureshi", "Lloyd", "Sczepanski", "Kowalczyk", "Wszołek", "Jääskeläinen", "Ooi", "Ui", "Iwu", "Yee",
        "Boubou", "Gangan", "Nana", "Lulu", "Kiki", "Bebe", "Jojo", "Ngũgĩ", "Tuğba", "Şükrü", "Đorđević", "Ağaoğlu",
    ];

    [Theory]
    [MemberData(nameof(RealNames))]
    public void Classify_RealFirstName_IsNotJunk(string name) => AssertClean(Clean(name, "Lovelace"));

    [Theory]
    [MemberData(nameof(RealNames))]
    public void Classify_RealLastName_IsNotJunk(string name) => AssertClean(Clean("Ada", name));

    [Theory]
    [InlineData("AT&T")]
    [InlineData("3M")]
    [InlineData("X")]
    [InlineData("Procter & Gamble")]
    [InlineData("Yahoo!")]
    [InlineData("Société Générale")]
    [InlineData("株式会社トヨタ")]
    [InlineData("QWERTY Keyboards Ltd")]
    [InlineData("AAAA Storage")]
    [InlineData("N/A")]
    [InlineData("Self-employed")]
    [InlineData("University of Michigan")]
    [InlineData("Student Loan Services Inc")]
    [InlineData("Lead Generation Services LLC")]
    public void Classify_RealCompany_IsNotJunk(string company) => AssertClean(Clean() with { Company = company });

    // Role addresses.

    [Theory]
    [InlineData("info@analytical-engines.co.uk", "role address info@ on a person form")]
    [InlineData("Sales+web@analytical-engines.co.uk", "role address sales@ on a person form")]
    [InlineData("noreply@analytical-engines.co.uk", "role address noreply@ on a person form")]
    public void Classify_RoleAddressOnAPersonForm_IsSpam(string email, string detail) =>
        AssertJunk(Clean() with { Email = email, PersonalAddressRequired = true }, JunkReasons.Spam, "email", detail);

    [Fact]
    public void Classify_RoleAddressWhereRolesAreFine_IsNotJunk() =>
        AssertClean(Clean() with { Email = "info@analytical-engines.co.uk" });

    [Theory]
    [InlineData("per@analytical-engines.se")]
    [InlineData("md@analytical-engines.co.uk")]
    [InlineData("ada@analytical-engines.co.uk")]
    public void Classify_PersonalAddressOnAPersonForm_IsNotJunk(string email) =>
        AssertClean(Clean() with { Email = email, PersonalAddressRequired = true });

    // Keyword classes.

    [Theory]
    [InlineData("Hi, we offer SEO services and can get you to the first page of Google.")]
    [InlineData("We can help you rank #1. Guest post opportunities available.")]
    [InlineData("Offshore development team available at $15/hour.")]
    [InlineData("We provide lead generation services for SaaS companies.")]
    [InlineData("I can bring you more leads every month, guaranteed.")]
    public void Classify_VendorPitch_IsVendor(string description) =>
        AssertJunk(Clean() with { Description = description }, JunkReasons.Vendor, "description");

    [Fact]
    public void Classify_VendorPitch_NamesThePhrase() =>
        AssertJunk(Clean() with { Description = "Cheap SEO   Services here" }, JunkReasons.Vendor, "description", "vendor pitch \"seo services\" in description");

    [Fact]
    public void Classify_VendorPitchInACustomField_NamesTheField() =>
        AssertJunk(Clean() with { CustomFields = new Dictionary<string, string> { ["message"] = "Interested in guest posting?" } }, JunkReasons.Vendor, "customFields.message");

    [Theory]
    [InlineData("We need lead generation software that routes to our SDRs.")]
    [InlineData("Our SEO team hands us 300 leads a month; we need scoring.")]
    [InlineData("Looking for a white-label portal for our resellers.")]
    public void Classify_BuyerTalkingAboutMarketing_IsNotVendor(string description) =>
        AssertClean(Clean() with { Description = description });

    [Fact]
    public void Classify_VendorWordsInTheCompanyName_AreNotAPitch() =>
        AssertClean(Clean() with { Company = "Acme SEO Services" });

    [Theory]
    [InlineData("Please find my resume attached.")]
    [InlineData("CV attached, looking for a job in marketing")]
    [InlineData("Are you hiring? I have 5 years of experience.")]
    [InlineData("I would like to apply for the position of SDR.")]
    [InlineData("Do you offer an internship this summer?")]
    public void Classify_JobApplication_IsJobSeeker(string description) =>
        AssertJunk(Clean() with { Description = description }, JunkReasons.JobSeeker, "description");

    [Theory]
    [InlineData("Job Seeker")]
    [InlineData("Unemployed")]
    [InlineData("Open to work")]
    [InlineData("Looking for opportunities")]
    public void Classify_JobSeekerTitle_IsJobSeeker(string title) =>
        AssertJunk(Clean() with { Title = title }, JunkReasons.JobSeeker, "title");

    [Theory]
    [InlineData("Head of Talent Acquisition", "We are hiring 40 SDRs this year and need routing that scales.")]
    [InlineData("Hiring Manager", "Let's resume the conversation from last week's demo.")]
    public void Classify_HiringBuyers_AreClean(string title, string description) =>
        AssertClean(Clean() with { Title = title, Description = description });

    [Theory]
    [InlineData("I'm a student working on a university project about CRMs.")]
    [InlineData("I am a student, can I get a free licence?")]
    [InlineData("This is for my thesis on lead scoring.")]
    [InlineData("Need help with my homework on sales funnels")]
    public void Classify_StudentRequest_IsStudent(string description) =>
        AssertJunk(Clean() with { Description = description }, JunkReasons.Student, "description");

    [Theory]
    [InlineData("Student")]
    [InlineData("MBA Student")]
    [InlineData("Student at MIT")]
    [InlineData("PhD candidate")]
    public void Classify_StudentTitle_IsStudent(string title) =>
        AssertJunk(Clean() with { Title = title }, JunkReasons.Student, "title");

    [Theory]
    [InlineData("Student")]
    [InlineData("N/A - student")]
    public void Classify_StudentAsTheCompany_IsStudent(string company) =>
        AssertJunk(Clean() with { Company = company }, JunkReasons.Student, "company");

    [Theory]
    [InlineData("Student Success Manager", null)]
    [InlineData("Director of Student Affairs", null)]
    [InlineData("VP Enrollment", "We serve 10,000 students and need to route applicant inquiries.")]
    [InlineData("Head of Admissions", "I'm a student success manager looking at tools for our team.")]
    [InlineData("CMO", "We did our homework and shortlisted you.")]
    [InlineData("Investor Relations", "Our investment thesis needs cleaner pipeline data.")]
    public void Classify_UniversityBuyers_AreNotStudents(string title, string? description) =>
        AssertClean(Clean() with { Title = title, Description = description ?? "We need faster lead routing." });

    [Theory]
    [InlineData("Buy cheap viagra now")]
    [InlineData("Best online casino bonus")]
    public void Classify_SpamPhrases_AreSpam(string description) =>
        AssertJunk(Clean() with { Description = description }, JunkReasons.Spam, "description");

    // Order of the checks.

    [Fact]
    public void Classify_HoneypotWins_OverEverythingElse() =>
        AssertJunk(Clean("asdfgh") with { HoneypotFilled = true, Email = "x@mailinator.com" }, JunkReasons.Spam, null, "honeypot field filled");

    [Fact]
    public void Classify_DisposableWins_OverTestNames() =>
        AssertJunk(Clean("Test", "Test") with { Email = "test@mailinator.com" }, JunkReasons.DisposableEmail);
}
