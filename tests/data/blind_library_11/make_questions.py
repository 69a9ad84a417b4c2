import json, random
plain = [
 {"question": "septic shock pt on levo 0.3 for 6+ hrs, do we start stress dose steroids? how much hydrocort", "expect": ["Intravenous hydrocortisone 200 mg per day"], "cites": [1, 5]},
 {"question": "HIT confirmed, plts 90k now - ok to start coumadin?", "expect": ["Start warfarin only after the platelet count has recovered"], "cites": [1, 4]},
 {"question": "dex dose for bacterial menigitis + when do I give it relative to the abx?", "expect": ["Dexamethasone 0.15 mg/kg (10 mg in adults)"], "cites": [1, 5]},
 {"question": "what MASCC cutoff makes a neutropenic fever pt low risk?", "expect": ["A MASCC score of 21 or more"], "cites": [3]},
 {"question": "stable medicine pt, hgb 7.3, no sx - transfuse or not?", "expect": ["transfuse at a hemoglobin below 7 g/dL"], "cites": [1, 2]},
 {"question": "pyogenic vertebral osteo - 6 wks or 12 wks of abx?", "expect": ["Native vertebral osteomyelitis: 6 weeks"], "cites": [5, 6]},
 {"question": "LR vs NS for the sepsis bolus?", "expect": ["Balanced crystalloids such as lactated Ringer's solution"], "cites": [1, 4]},
 {"question": "argatroban gtt - what rate do we start at?", "expect": ["started at 2 mcg/kg/min"], "cites": [1, 4]},
 {"question": "68yo w suspected bacterial meningitis, already on vanc + ctx, what else should be hanging?", "expect": ["add ampicillin to cover Listeria"], "cites": [1, 2]},
 {"question": "FN pt still spiking day 5 on cefepime, ANC 0, when do we start antifungals?", "expect": ["Empiric antifungal therapy, such as an echinocandin"], "cites": [1, 5]},
 {"question": "INR 1.6 before a paracentesis - give FFP first?", "expect": ["A mildly raised INR (below 1.5 to 1.8)"], "cites": [8]},
 {"question": "can osteo pts go home on PO abx instead of a PICC and IV? any data", "expect": ["In the OVIVA trial, oral antibiotics were non-inferior"], "cites": [2]},
 {"question": "levo at 0.4 and climbing, when do u add vaso", "expect": ["Add vasopressin (up to 0.03 units/min)"], "cites": [1]},
 {"question": "can HIT pts go on eliquis or xarelto instead of an argatroban drip?", "expect": ["Rivaroxaban, apixaban or dabigatran can be used in clinically stable patients"], "cites": [1, 5]},
 {"question": "roommate of a pt w meningococcal meningitis - what ppx do they get", "expect": ["Close contacts of a meningococcal case get chemoprophylaxis"], "cites": [1, 2]},
 {"question": "neutropenic fever, no source found, afebrile x3 days but ANC still 200. stop the zosyn or wait for counts to recover?", "expect": ["stop empiric antibiotics after 72 hours without fever"], "cites": [6, 7]},
 {"question": "bleed in the brain in a pt on aspirin + plavix, should we give plts?", "expect": ["Platelet transfusion for spontaneous intracerebral hemorrhage"], "cites": [7]},
 {"question": "toe amputated w clean bone margins for osteo - how many more days of abx?", "expect": ["After complete resection of all infected bone"], "cites": [4]},
 {"question": "ok to run norepi thru a PIV while we wait for the CVC?", "expect": ["can be started through a peripheral vein"], "cites": [1]},
 {"question": "PF4 ELISA positive, OD 1.2 - do we need a confirmatory test?", "expect": ["serotonin release assay"], "cites": [1]},
 {"question": "how long do we treat listeria meningitis", "expect": ["Listeria monocytogenes: at least 21 days"], "cites": [1]},
 {"question": "neutropenic fever in a pt w anaphylaxis to PCN - what empiric regimen?", "expect": ["aztreonam plus vancomycin"], "cites": [1]},
]
with_all = [
 {"question": "who actually needs a head CT before the LP when we suspect meningitis?", "expect": ["Indications for a head CT before lumbar puncture include"], "cites": [1],
  "expect_all": ["Immunocompromise (HIV infection", "Known central nervous system disease", "New-onset seizure within the past week", "Papilledema", "Abnormal level of consciousness", "Focal neurologic deficit"]},
 {"question": "when should i add vanc for neutropenic fever?", "expect": ["Add vancomycin (or linezolid or daptomycin"], "cites": [1],
  "expect_all": ["Hemodynamic instability", "Suspected catheter-related infection", "Skin or soft-tissue infection", "Radiographically documented pneumonia", "Gram-positive bacteria growing in blood cultures", "Known MRSA colonization"]},
 {"question": "just got paged about a pt w suspected HIT - what do i do right now?", "expect": ["Immediate steps when HIT is suspected include"], "cites": [1, 4],
  "expect_all": ["Stopping all heparin, including flushes", "Starting a non-heparin anticoagulant at therapeutic dose", "Holding warfarin and reversing it with vitamin K", "Avoiding prophylactic platelet transfusion", "Bilateral leg compression ultrasound"]},
 {"question": "best PO abx options for a bone infection?", "expect": ["Oral agents with good bone penetration and bioavailability include"], "cites": [2],
  "expect_all": ["Levofloxacin 750 mg once daily", "Trimethoprim-sulfamethoxazole, often combined with rifampin", "Linezolid 600 mg twice daily", "Rifampin 600 mg daily, never as monotherapy", "Doxycycline 100 mg twice daily"]},
]
convs = [
 {"turns": ["septic shock pt just rolled into the ED, whats the first hour bundle", "BP 78/40, lactate 5.1", "how much fluid do we give?"], "expect": ["Starting 30 mL/kg of intravenous crystalloid"], "cites": [1, 3]},
 {"turns": ["how do i work out the pretest probability for HIT?", "plts 250 -> 170 on day 2 of heparin, no clot, she's also septic", "so that's like 2 points - do I still send the PF4?"], "expect": ["A total of 0 to 3 means low probability"], "cites": [1, 3]},
 {"turns": ["empiric abx for bacterial meningitis in a 40yo?", "he had a VP shunt put in last month"], "expect": ["Plus cefepime, ceftazidime or meropenem to cover Pseudomonas"], "cites": [4]},
 {"turns": ["first line abx for neutropenic fever?", "mero dose?"], "expect": ["Meropenem 1 g every 8 hours"], "cites": [1]},
 {"turns": ["plt threshhold for ppx transfusion in AML on induction chemo?", "and if we need to put in a central line?"], "expect": ["Elective central venous catheter placement"], "cites": [5]},
 {"turns": ["how long do we treat diabetic foot osteo?", "she had a debridement in the OR yesterday"], "expect": ["Diabetic foot osteomyelitis after surgical debridement"], "cites": [7]},
]
oos = [
 {"question": "vanc AUC goal - what range are we dosing to nowadays, 400-600?"},
 {"question": "empiric abx for meningitis in a 10 day old?"},
 {"question": "pegfilgrastim primary ppx - what FN risk % justifies it?"},
 {"question": "septic arthritis of the knee - how long IV abx after the washout?"},
 {"question": "caplacizumab dose for TTP?"},
 {"question": "sickle cell pt w acute chest syndrome, simple vs exchange transfusion?"},
 {"question": "procalcitonin to guide stopping abx in sepsis - worth it?"},
 {"question": "crypto meningitis induction - ampho + flucytosine doses?"},
]
for o in oos: o["answerable"] = False
items = plain + with_all + convs + oos
rng = random.Random(11)
rng.shuffle(items)
with open("questions.jsonl", "w") as f:
    for i, it in enumerate(items, 1):
        out = {"id": f"L{i:02d}"}
        for k in ("question", "turns", "expect", "cites", "expect_all", "answerable"):
            if k in it: out[k] = it[k]
        f.write(json.dumps(out, ensure_ascii=False) + "\n")
