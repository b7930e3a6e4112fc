using Handoff.Enrichment;

namespace Handoff.Core.Tests.Enrichment;

public class JobTitleTests
{
    [Theory]
    [InlineData("CEO", Seniority.CLevel, Department.Executive)]
    [InlineData("Founder & CEO", Seniority.CLevel, Department.Executive)]
    [InlineData("Co-Founder", Seniority.CLevel, Department.Executive)]
    [InlineData("Cofounder and CTO", Seniority.CLevel, Department.Engineering)]
    [InlineData("Owner", Seniority.CLevel, Department.Executive)]
    [InlineData("President", Seniority.CLevel, Department.Executive)]
    [InlineData("Managing Director", Seniority.CLevel, Department.Executive)]
    [InlineData("CFO", Seniority.CLevel, Department.Finance)]
    [InlineData("COO", Seniority.CLevel, Department.Operations)]
    [InlineData("CMO", Seniority.CLevel, Department.Marketing)]
    [InlineData("CRO", Seniority.CLevel, Department.Sales)]
    [InlineData("CIO", Seniority.CLevel, Department.IT)]
    [InlineData("CISO", Seniority.CLevel, Department.IT)]
    [InlineData("CPO", Seniority.CLevel, Department.Product)]
    [InlineData("Chief Executive Officer", Seniority.CLevel, Department.Executive)]
    [InlineData("Chief Revenue Officer", Seniority.CLevel, Department.Sales)]
    [InlineData("Chief Technology Officer", Seniority.CLevel, Department.Engineering)]
    [InlineData("Chief Information Security Officer", Seniority.CLevel, Department.IT)]
    [InlineData("Chief People Officer", Seniority.CLevel, Department.HR)]
    [InlineData("Chief Marketing Officer", Seniority.CLevel, Department.Marketing)]
    [InlineData("Geschäftsführer", Seniority.CLevel, Department.Executive)]
    [InlineData("Geschaeftsfuehrer", Seniority.CLevel, Department.Executive)]
    [InlineData("PDG", Seniority.CLevel, Department.Executive)]
    [InlineData("Directeur Général", Seniority.CLevel, Department.Executive)]
    [InlineData("Fundadora", Seniority.CLevel, Department.Executive)]
    [InlineData("Partner", Seniority.CLevel, Department.Executive)]
    public void Parse_CLevel(string title, Seniority seniority, Department department) =>
        Assert.Equal(new JobRole(seniority, department), JobTitle.Parse(title));

    [Theory]
    [InlineData("VP of Sales", Seniority.VP, Department.Sales)]
    [InlineData("SVP Marketing", Seniority.VP, Department.Marketing)]
    [InlineData("EVP, Operations", Seniority.VP, Department.Operations)]
    [InlineData("Vice President, Engineering", Seniority.VP, Department.Engineering)]
    [InlineData("Vice-President Finance", Seniority.VP, Department.Finance)]
    [InlineData("Senior Vice President of Customer Success", Seniority.VP, Department.CustomerSuccess)]
    [InlineData("AVP, IT", Seniority.VP, Department.IT)]
    [InlineData("Assistant Vice President", Seniority.VP, Department.Other)]
    [InlineData("V.P. Sales", Seniority.VP, Department.Sales)]
    public void Parse_VP(string title, Seniority seniority, Department department) =>
        Assert.Equal(new JobRole(seniority, department), JobTitle.Parse(title));

    [Theory]
    [InlineData("Director of Marketing", Seniority.Director, Department.Marketing)]
    [InlineData("Sr. Director, Product Marketing", Seniority.Director, Department.Marketing)]
    [InlineData("Dir. Sales Ops", Seniority.Director, Department.Sales)]
    [InlineData("Head of RevOps", Seniority.Director, Department.Sales)]
    [InlineData("Head of People", Seniority.Director, Department.HR)]
    [InlineData("Head of Legal", Seniority.Director, Department.Legal)]
    [InlineData("Marketing Head", Seniority.Director, Department.Marketing)]
    [InlineData("IT Director", Seniority.Director, Department.IT)]
    [InlineData("Chief of Staff", Seniority.Director, Department.Executive)]
    [InlineData("Chief Architect", Seniority.Director, Department.Engineering)]
    [InlineData("General Manager", Seniority.Director, Department.Executive)]
    [InlineData("Directeur Commercial", Seniority.Director, Department.Sales)]
    [InlineData("Directora de Marketing", Seniority.Director, Department.Marketing)]
    [InlineData("Vertriebsleiter", Seniority.Director, Department.Sales)]
    [InlineData("Leiter IT", Seniority.Director, Department.IT)]
    public void Parse_Director(string title, Seniority seniority, Department department) =>
        Assert.Equal(new JobRole(seniority, department), JobTitle.Parse(title));

    [Theory]
    [InlineData("Marketing Ops Mgr", Seniority.Manager, Department.Marketing)]
    [InlineData("Sales Manager", Seniority.Manager, Department.Sales)]
    [InlineData("Engineering Manager", Seniority.Manager, Department.Engineering)]
    [InlineData("Team Lead, Support", Seniority.Manager, Department.CustomerSuccess)]
    [InlineData("Lead Engineer", Seniority.Manager, Department.Engineering)]
    [InlineData("Tech Lead", Seniority.Manager, Department.Engineering)]
    [InlineData("Customer Success Manager", Seniority.Manager, Department.CustomerSuccess)]
    [InlineData("Student Success Manager", Seniority.Manager, Department.CustomerSuccess)]
    [InlineData("Product Manager", Seniority.Manager, Department.Product)]
    [InlineData("Office Manager", Seniority.Manager, Department.Operations)]
    [InlineData("Assistant Manager", Seniority.Manager, Department.Other)]
    [InlineData("Assistant Director of Admissions", Seniority.Manager, Department.Other)]
    [InlineData("HR Supervisor", Seniority.Manager, Department.HR)]
    [InlineData("Gerente", Seniority.Manager, Department.Other)]
    [InlineData("Gerente de Ventas", Seniority.Manager, Department.Sales)]
    [InlineData("Responsable Marketing", Seniority.Manager, Department.Marketing)]
    [InlineData("Talent Acquisition Lead", Seniority.Manager, Department.HR)]
    public void Parse_Manager(string title, Seniority seniority, Department department) =>
        Assert.Equal(new JobRole(seniority, department), JobTitle.Parse(title));

    [Theory]
    [InlineData("Sr. Engineer", Seniority.Individual, Department.Engineering)]
    [InlineData("Senior Software Engineer", Seniority.Individual, Department.Engineering)]
    [InlineData("Account Executive", Seniority.Individual, Department.Sales)]
    [InlineData("SDR", Seniority.Individual, Department.Sales)]
    [InlineData("Lead Generation Specialist", Seniority.Individual, Department.Marketing)]
    [InlineData("Product Owner", Seniority.Individual, Department.Product)]
    [InlineData("Accountant", Seniority.Individual, Department.Finance)]
    [InlineData("Paralegal", Seniority.Individual, Department.Legal)]
    [InlineData("Recruiter", Seniority.Individual, Department.HR)]
    [InlineData("Data Scientist", Seniority.Individual, Department.Engineering)]
    [InlineData("Consultant", Seniority.Individual, Department.Other)]
    [InlineData("Marketing Intern", Seniority.Individual, Department.Marketing)]
    public void Parse_Individual(string title, Seniority seniority, Department department) =>
        Assert.Equal(new JobRole(seniority, department), JobTitle.Parse(title));

    [Theory]
    [InlineData("Assistant to the CEO", Department.Executive)]
    [InlineData("Executive Assistant to the CFO", Department.Finance)]
    [InlineData("CEO Assistant", Department.Executive)]
    [InlineData("Personal Assistant", Department.Other)]
    public void Parse_AssistantsOfExecutives_AreIndividuals(string title, Department department) =>
        Assert.Equal(new JobRole(Seniority.Individual, department), JobTitle.Parse(title));

    [Theory]
    [InlineData("VP Eng", Seniority.VP, Department.Engineering)]
    [InlineData("Dir. of Eng", Seniority.Director, Department.Engineering)]
    [InlineData("Sr. Engr", Seniority.Individual, Department.Engineering)]
    [InlineData("Gerente de TI", Seniority.Manager, Department.IT)]
    [InlineData("Diretor de TI", Seniority.Director, Department.IT)]
    [InlineData("Chef de projet", Seniority.Manager, Department.Operations)]
    [InlineData("Chef de produit", Seniority.Manager, Department.Product)]
    [InlineData("Head Chef", Seniority.Director, Department.Other)]
    public void Parse_CommonAbbreviationsAndForeignFunctionNames(string title, Seniority seniority, Department department) =>
        Assert.Equal(new JobRole(seniority, department), JobTitle.Parse(title));

    [Fact]
    public void Parse_AVpInTheOfficeOfTheCeo_IsAVp() =>
        Assert.Equal(Seniority.VP, JobTitle.Parse("VP, Office of the CEO").Seniority);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("--")]
    public void Parse_NoTitle_IsUnknown(string? title) =>
        Assert.Equal(new JobRole(Seniority.Unknown, Department.Unknown), JobTitle.Parse(title));

    [Fact]
    public void Parse_AVeryLongTitle_DoesNotThrow() =>
        Assert.Equal(Seniority.Manager, JobTitle.Parse(string.Join(' ', Enumerable.Repeat("manager", 500))).Seniority);
}
