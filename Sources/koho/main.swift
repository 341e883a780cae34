import KohoCore
print("koho")
